// Drives a running `rsa serve` with the official OpenAI Node client (npm package `openai`), checking the features
// evaluation harnesses use: chat, streamed chat with include_usage, top_logprobs, legacy completions with echo +
// logprobs (log-likelihood scoring), penalties. Skips with a message when the package is missing.
//   NODE_PATH=/path/to/node_modules node scripts/peers/openai-client-check.mjs http://127.0.0.1:8000/v1 MODEL
import { createRequire } from "module";
const require = createRequire(import.meta.url);
let OpenAI;
try {
  OpenAI = require("openai").OpenAI;
} catch (e) {
  console.error("openai-client-check: the npm package 'openai' is not installed (npm install openai); skipping");
  process.exit(3);
}
const [baseURL, model] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: "none" });
const fail = (m) => { console.error("FAIL: " + m); process.exit(1); };
const messages = [{ role: "user", content: "What is 7 * 6?" }];

const whole = await client.chat.completions.create({ model, messages, max_tokens: 16, seed: 3, temperature: 0.8 });
const text = whole.choices[0].message.content;
let streamed = "", usage = null;
const stream = await client.chat.completions.create({ model, messages, max_tokens: 16, seed: 3, temperature: 0.8,
  stream: true, stream_options: { include_usage: true } });
for await (const chunk of stream) {
  if (chunk.choices.length) streamed += chunk.choices[0].delta?.content ?? "";
  if (chunk.usage) usage = chunk.usage;
}
if (streamed !== text) fail(`streamed text ${JSON.stringify(streamed)} != ${JSON.stringify(text)}`);
if (!usage || usage.completion_tokens !== whole.usage.completion_tokens) fail("usage chunk " + JSON.stringify(usage));

const lp = await client.chat.completions.create({ model, messages, max_tokens: 4, temperature: 0, logprobs: true,
  top_logprobs: 5 });
const content = lp.choices[0].logprobs.content;
if (!content.length || content.some((c) => c.top_logprobs.length !== 5)) fail("top_logprobs " + JSON.stringify(content));

const scored = await client.completions.create({ model, prompt: "The cat sat on the mat", max_tokens: 0, echo: true,
  logprobs: 1 });
const tl = scored.choices[0].logprobs.token_logprobs;
if (tl[0] !== null || tl.slice(1).some((x) => typeof x !== "number" || x > 0)) fail("echo logprobs " + JSON.stringify(tl));

const pen = await client.completions.create({ model, prompt: "a b", max_tokens: 8, temperature: 0,
  presence_penalty: 1.5, frequency_penalty: 0.5 });
if (typeof pen.choices[0].text !== "string") fail("penalised completion");
console.log(`openai-client-check: ok (openai ${require("openai/package.json").version}; chat, stream + usage, ` +
  `top_logprobs, echo scoring of ${tl.length} tokens, penalties)`);
