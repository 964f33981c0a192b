package rsarl.rollout.config;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private Path write(String yaml) throws IOException {
        Path f = dir.resolve("eval.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    private static final String BASE = """
            backend: {type: openai, base_url: "http://127.0.0.1:8000/v1", model: m, api_key_env: KEY, max_concurrency: 8}
            data: {path: data.jsonl, task: math, limit: null}
            rsa: {population: 8, k: 2, steps: 3}
            sampling: {temperature: 0.7, top_p: 0.9, max_tokens: 512}
            seed: 7
            output_dir: runs/x
            """;

    @Test
    void bindsSnakeCaseKeysAndFillsDefaults() throws IOException {
        EvalConfig c = EvalConfig.load(write(BASE), List.of());
        assertEquals("http://127.0.0.1:8000/v1", c.backend().baseUrl());
        assertEquals("KEY", c.backend().apiKeyEnv());
        assertEquals(8, c.backend().maxConcurrency());
        assertEquals(6, c.backend().maxRetries());
        assertEquals(new RsaConfig(8, 2, 3), c.rsa());
        assertEquals(0.7, c.sampling().temperature());
        assertEquals(512, c.sampling().toParams().maxNewTokens());
        assertEquals(List.of(7L), c.seedList());
        assertEquals(null, c.data().limit());
    }

    @Test
    void defaultsWhenSectionsAreMissing() throws IOException {
        EvalConfig c = EvalConfig.load(write("""
                backend: {type: openai, base_url: "http://h/v1", model: m}
                data: {path: d.jsonl}
                output_dir: out
                """), List.of());
        assertEquals(new RsaConfig(16, 4, 10), c.rsa());
        assertEquals(8192, c.sampling().maxTokens());
        assertEquals(1.0, c.sampling().temperature());
        assertEquals(List.of(1234L), c.seedList());
        assertEquals(64, c.backend().maxConcurrency());
    }

    @Test
    void overridesAreParsedAsYamlScalars() throws IOException {
        EvalConfig c = EvalConfig.load(write(BASE), List.of("rsa.k=1", "data.limit=5", "seeds=[1, 2, 3]",
                "sampling.temperature=1", "backend.model=other=name", "data.task=puzzle:sudoku"));
        assertEquals(1, c.rsa().k());
        assertEquals(5, c.data().limit());
        assertEquals(List.of(1L, 2L, 3L), c.seedList());
        assertEquals(1.0, c.sampling().temperature());
        assertEquals("other=name", c.backend().model());
        assertEquals("puzzle:sudoku", c.data().task());
    }

    @Test
    void unknownKeyIsRejectedWithPathAndFile() throws IOException {
        Path f = write(BASE.replace("steps: 3", "steps: 3, kk: 2"));
        ConfigException e = assertThrows(ConfigException.class, () -> EvalConfig.load(f, List.of()));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("rsa.kk"), e.getMessage());
        ConfigException viaSet = assertThrows(ConfigException.class,
                () -> EvalConfig.load(write(BASE), List.of("sampling.temprature=0.5")));
        assertTrue(viaSet.getMessage().contains("sampling.temprature"), viaSet.getMessage());
    }

    @Test
    void wrongTypesAreRejectedWithPath() throws IOException {
        ConfigException quoted = assertThrows(ConfigException.class,
                () -> EvalConfig.load(write(BASE.replace("population: 8", "population: \"8\"")), List.of()));
        assertTrue(quoted.getMessage().contains("rsa.population"), quoted.getMessage());
        ConfigException fractional = assertThrows(ConfigException.class,
                () -> EvalConfig.load(write(BASE), List.of("rsa.steps=2.5")));
        assertTrue(fractional.getMessage().contains("rsa.steps"), fractional.getMessage());
        ConfigException word = assertThrows(ConfigException.class,
                () -> EvalConfig.load(write(BASE), List.of("sampling.max_tokens=lots")));
        assertTrue(word.getMessage().contains("sampling.max_tokens"), word.getMessage());
    }

    @Test
    void invalidValuesNameTheKey() throws IOException {
        ConfigException k = assertThrows(ConfigException.class,
                () -> EvalConfig.load(write(BASE), List.of("rsa.k=9")));
        assertTrue(k.getMessage().contains("rsa.k"), k.getMessage());
        ConfigException template = assertThrows(ConfigException.class,
                () -> EvalConfig.load(write(BASE), List.of("rsa.template=fancy")));
        assertTrue(template.getMessage().contains("rsa.template") && template.getMessage().contains("'fancy'"),
                template.getMessage());
        assertEquals("compact", EvalConfig.load(write(BASE), List.of("rsa.template=compact")).rsa().template());
        assertEquals("default", EvalConfig.load(write(BASE), List.of()).rsa().template());
        ConfigException topP = assertThrows(ConfigException.class,
                () -> EvalConfig.load(write(BASE), List.of("sampling.top_p=0")));
        assertTrue(topP.getMessage().contains("sampling.top_p"), topP.getMessage());
        ConfigException type = assertThrows(ConfigException.class,
                () -> EvalConfig.load(write(BASE), List.of("backend.type=vllm")));
        assertTrue(type.getMessage().contains("backend.type"), type.getMessage());
        ConfigException missing = assertThrows(ConfigException.class,
                () -> EvalConfig.load(write(BASE.replace("output_dir: runs/x", "")), List.of()));
        assertTrue(missing.getMessage().contains("output_dir"), missing.getMessage());
    }

    @Test
    void badYamlAndBadOverridesAreClear() throws IOException {
        ConfigException yaml = assertThrows(ConfigException.class,
                () -> EvalConfig.load(write("rsa: {population: 8\nseed: [\n"), List.of()));
        assertTrue(yaml.getMessage().contains("eval.yaml"), yaml.getMessage());
        ConfigException noEq = assertThrows(ConfigException.class,
                () -> EvalConfig.load(write(BASE), List.of("rsa.k")));
        assertTrue(noEq.getMessage().contains("--set rsa.k"), noEq.getMessage());
        ConfigException notMap = assertThrows(ConfigException.class,
                () -> EvalConfig.load(write(BASE), List.of("seed.x=1")));
        assertTrue(notMap.getMessage().contains("'seed' is not a mapping"), notMap.getMessage());
        ConfigException missingFile = assertThrows(ConfigException.class,
                () -> EvalConfig.load(dir.resolve("nope.yaml"), List.of()));
        assertTrue(missingFile.getMessage().contains("nope.yaml"), missingFile.getMessage());
    }

    /** A section shared between configs, written as top-level keys of the enclosing record. */
    record Section(double rate, String kind) {}

    record Inner(int a) {}

    record WithSection(String name, @JsonUnwrapped Section section, int steps, Inner inner) {}

    private static JsonNode yaml(String text) throws IOException {
        return new com.fasterxml.jackson.dataformat.yaml.YAMLMapper().readTree(text);
    }

    private static String bindError(String text) {
        return assertThrows(ConfigException.class,
                () -> ConfigLoader.bind(yaml(text), WithSection.class, "s.yaml")).getMessage();
    }

    @Test
    void unwrappedSectionIsWrittenFlatAndBoundStrictly() throws IOException {
        String ok = "name: n\nrate: 0.5\nkind: k\nsteps: 3\ninner: {a: 1}\n";
        WithSection w = ConfigLoader.bind(yaml(ok), WithSection.class, "s.yaml");
        assertEquals(new WithSection("n", new Section(0.5, "k"), 3, new Inner(1)), w);
        assertEquals(yaml(ok), ConfigLoader.toTree(w));

        assertEquals("s.yaml: key 'rat': unknown key (known keys: inner, kind, name, rate, steps)",
                bindError(ok + "rat: 1\n"));
        assertTrue(bindError(ok + "section: {rate: 1}\n").contains("key 'section': unknown key"));
        assertTrue(bindError(ok.replace("rate: 0.5", "rate: fast")).contains("key 'rate': expected a number"));
        assertTrue(bindError(ok.replace("{a: 1}", "{a: 1, b: 2}")).contains("key 'inner.b': unknown key"));
    }

    @Test
    void unwrappedSectionReportsEveryProblemInFileOrder() throws IOException {
        String sectionFirst = "name: n\nrate: fast\nkind: k\nsteps: many\ninner: {a: 1}\n";
        assertEquals("s.yaml: 2 problems; nothing was run:\n"
                + "  s.yaml: key 'rate': expected a number, got \"fast\"\n"
                + "  s.yaml: key 'steps': expected an integer, got \"many\"", bindError(sectionFirst));
        String unknownFirst = "name: n\nzz: 1\nrate: fast\nkind: k\nsteps: 1\ninner: {a: x}\n";
        String e = bindError(unknownFirst);
        assertTrue(e.startsWith("s.yaml: 3 problems") && e.indexOf("'zz': unknown key") < e.indexOf("'rate': expected")
                && e.indexOf("'rate': expected") < e.indexOf("'inner.a': expected an integer"), e);
    }
}
