#!/usr/bin/env python3
"""Writes model/src/test/resources/chat-templates/expected.json: each case rendered by Jinja2 the way
transformers' apply_chat_template renders it (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks,
loopcontrols, tojson with ensure_ascii=False, raise_exception). FolderChatTemplateTest compares the Java
renders against these strings byte for byte. Run from the repository root; needs only python3-jinja2."""
import json, pathlib, sys
try:
    from jinja2.sandbox import ImmutableSandboxedEnvironment
    from jinja2.exceptions import TemplateError
except ImportError:
    sys.exit("jinja2 missing (apt-get install python3-jinja2); expected.json left as it is")

DIR = pathlib.Path("model/src/test/resources/chat-templates")

def render(template, messages, add_generation_prompt, **kwargs):
    def raise_exception(message):
        raise TemplateError(message)
    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    return env.from_string(template).render(messages=messages, tools=None, documents=None,
                                            add_generation_prompt=add_generation_prompt, **kwargs)

def m(role, content):
    return {"role": role, "content": content}

CHATS = {
    "single user": [m("user", "What is 12 + 30?")],
    "system and user": [m("system", "You are a helpful assistant."), m("user", "What is 12 + 30?")],
    "multi-turn with reasoning": [m("system", "Be brief."), m("user", "Hi"),
                                  m("assistant", "<think>\nThe user greets.\n</think>\n\nHello!"),
                                  m("user", "What is 2+2?")],
    "last assistant kept": [m("user", "Q"), m("assistant", "<think>\n\nreason\n\n</think>\n\n\nA")],
    "assistant after query without think": [m("user", "Q"), m("assistant", "A1"), m("assistant", "A2")],
    "two assistants after query with think": [m("user", "Q"), m("assistant", "<think>r1</think>A1"),
                                              m("assistant", "A2")],
    "system in the middle": [m("user", "a"), m("system", "b"), m("user", "c")],
    "unicode and braces": [m("user", "Löse: {x} ∑ «ok» \\boxed{}"), m("assistant", "Fertig 👍"), m("user", "Danke")],
    "jinja syntax in content": [m("system", "{{ raise_exception('no') }}"), m("user", "a {{ 1 + 1 }} {% if true %}T{% endif %} {# c #} b"),
                                m("assistant", "{%- raw %}x{% endraw %}"), m("user", "{{ messages }}")],
    "tool response as user": [m("user", "Q"), m("assistant", "<think>t</think>call"),
                              m("user", "<tool_response>\n42\n</tool_response>")],
}

cases = []
for template_name in ["qwen3.jinja", "qwen2.5-instruct.jinja"]:
    template = (DIR / template_name).read_text()
    for chat_name, messages in CHATS.items():
        for agp in (True, False):
            variants = [None, True, False] if template_name == "qwen3.jinja" and agp else [None]
            for thinking in variants:
                kwargs = {} if thinking is None else {"enable_thinking": thinking}
                cases.append({"template": template_name, "name": chat_name, "messages": messages,
                              "add_generation_prompt": agp, "enable_thinking": thinking,
                              "expected": render(template, messages, agp, **kwargs)})
(DIR / "expected.json").write_text(json.dumps(cases, ensure_ascii=False, indent=1) + "\n")
print(f"{len(cases)} cases written to {DIR / 'expected.json'}")
