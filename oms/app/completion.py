"""``oms completion bash|zsh``: a completion script built from the argparse parser itself,
so it never drifts from the commands and flags."""

from __future__ import annotations

import argparse

__all__ = ["script"]


def _words(parser: argparse.ArgumentParser) -> dict[str, list[str]]:
    """Command -> its flags (and subcommands), "" -> the top level."""
    out: dict[str, list[str]] = {}

    def walk(p: argparse.ArgumentParser, name: str) -> None:
        words: list[str] = []
        for action in p._actions:
            words += [o for o in action.option_strings if o.startswith("--")]
            if isinstance(action, argparse._SubParsersAction):
                for sub, child in action.choices.items():
                    words.append(sub)
                    walk(child, f"{name} {sub}".strip())
            elif action.choices and not action.option_strings:
                words += [str(c) for c in action.choices]
        out[name] = sorted(set(words))

    walk(parser, "")
    return out


def script(parser: argparse.ArgumentParser, shell: str) -> str:
    words = _words(parser)

    def split(ws: list[str]) -> tuple[str, str]:
        return " ".join(w for w in ws if not w.startswith("-")), " ".join(
            w for w in ws if w.startswith("-")
        )

    cases = "\n".join(
        '        "{}") words="{}"; flags="{}" ;;'.format(name, *split(ws))
        for name, ws in sorted(words.items())
        if name
    )
    top_words, top_flags = split(words[""])
    body = f"""# oms completion for {shell}; load it with: source <(oms completion {shell})
_oms_complete() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}"
    local keys="|{"|".join(n for n in words if n)}|" path="" next w
    for w in "${{COMP_WORDS[@]:1:COMP_CWORD-1}}"; do
        next="${{path:+$path }}$w"
        [[ "$keys" == *"|$next|"* ]] && path="$next"
    done
    local words="{top_words}" flags="{top_flags}"
    case "$path" in
{cases}
    esac
    # Flags when asked for one (or when there is nothing else to offer), else the words.
    local opts="$words"
    [[ "$cur" == -* || -z "$words" ]] && opts="$flags"
    COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
}}
"""
    if shell == "zsh":
        body = "autoload -U +X bashcompinit && bashcompinit\n" + body
    return body + "complete -F _oms_complete oms"
