package rsarl.rollout.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.function.Function;

/**
 * The weight-sync endpoints a trainer calls between policy versions, with the request bodies of the servers they
 * imitate: vLLM's {@code POST /v1/load_lora_adapter {"lora_name", "lora_path"}} and
 * {@code POST /v1/unload_lora_adapter {"lora_name"}}; SGLang's {@code POST /update_weights_from_disk
 * {"model_path", "weight_version", "flush_cache"}}; and vLLM's dev-mode {@code POST /collective_rpc
 * {"method": "reload_weights_from_disk", "args": [path]}} (the worker extension documented in the README) with
 * {@code POST /reset_prefix_cache}.
 */
final class WeightRoutes {
    static final String RELOAD_METHOD = "reload_weights_from_disk";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ServedModels models;
    private final Function<byte[], JsonNode> parse;

    WeightRoutes(ServedModels models, Function<byte[], JsonNode> parse) {
        this.models = models;
        this.parse = parse;
    }

    /** The reply for one of these routes, or null when {@code path} is not one of them. */
    ObjectNode route(String method, String path, byte[] body) {
        switch (path) {
            case "/v1/load_lora_adapter", "/load_lora_adapter" -> {
                post(method);
                JsonNode b = parse.apply(body);
                String name = JsonFields.string(b, "lora_name");
                models.load(name, JsonFields.string(b, "lora_path"));
                return ok("Success: LoRA adapter '" + name + "' added successfully.");
            }
            case "/v1/unload_lora_adapter", "/unload_lora_adapter" -> {
                post(method);
                String name = JsonFields.string(parse.apply(body), "lora_name");
                models.unload(name);
                return ok("Success: LoRA adapter '" + name + "' removed successfully.");
            }
            case "/update_weights_from_disk" -> {
                post(method);
                JsonNode b = parse.apply(body);
                String version = JsonFields.string(b, "weight_version");
                models.updateWeightsFromDisk(JsonFields.string(b, "model_path"), version);
                return JSON.createObjectNode().put("success", true)
                        .put("message", "Succeeded to update model weights.").put("num_paused_requests", 0);
            }
            case "/collective_rpc" -> {
                post(method);
                JsonNode b = parse.apply(body);
                String rpc = JsonFields.string(b, "method");
                JsonNode args = b.path("args");
                if (!RELOAD_METHOD.equals(rpc) || !args.isArray() || args.size() != 1 || !args.get(0).isTextual()) {
                    throw ApiError.badField("method", "only {\"method\": \"" + RELOAD_METHOD
                            + "\", \"args\": [model_path]} is supported");
                }
                models.updateWeightsFromDisk(args.get(0).asText(), null);
                ObjectNode r = JSON.createObjectNode();
                r.putArray("results").addNull();
                return r;
            }
            case "/reset_prefix_cache" -> {
                post(method);
                return ok("prefix cache reset (rsa serve keeps none)");
            }
            default -> {
                return null;
            }
        }
    }

    private static void post(String method) {
        if (!method.equals("POST")) {
            throw new ApiError(405, "invalid_request_error", null, "method_not_allowed",
                    "method " + method + " is not allowed here (use POST)");
        }
    }

    private static ObjectNode ok(String message) {
        return JSON.createObjectNode().put("status", "ok").put("message", message);
    }
}
