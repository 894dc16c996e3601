"""The shells dfwctl completes in, as click completion classes: click's own bash, zsh and fish,
and PowerShell from click-pwsh. Registered before click reads a completion request.

Bash splits the word being completed at ':' (COMP_WORDBREAKS), so an address on a named
machine, win10:docker.container.web, reaches the completion as three words and is replaced
only after its last ':'. The bash class here joins the words back and offers what follows
that ':', as bash-completion's own helpers do; click's other shells keep a word whole."""
from __future__ import annotations

import os
from typing import List, Tuple

from click.shell_completion import (
    BashComplete,
    CompletionItem,
    add_completion_class,
    split_arg_string,
)


def rejoin_colons(words: List[str], index: int) -> Tuple[List[str], int]:
    """`words` with every ':' word joined to its neighbours, and where word `index` went."""
    joined: List[str] = []
    where = index
    glue = False  # the next word continues the last one
    for i, word in enumerate(words):
        if i == index:
            where = len(joined) - 1 if (glue or word == ":") and joined else len(joined)
        if word == ":" and joined and i > 1:
            joined[-1] += word
            glue = True
        elif glue:
            joined[-1] += word
            glue = False
        else:
            joined.append(word)
    if index >= len(words):  # completing a new, empty word
        where = len(joined) - 1 if glue else len(joined)
    return joined, where


class BashColonComplete(BashComplete):
    """click's bash completion, with words split at ':' joined back."""

    trim = ""  # what bash keeps of the word: up to its last ':'

    def get_completion_args(self) -> Tuple[List[str], str]:
        words, index = rejoin_colons(split_arg_string(os.environ["COMP_WORDS"]),
                                     int(os.environ["COMP_CWORD"]))
        incomplete = words[index] if index < len(words) else ""
        self.trim = incomplete[:incomplete.rfind(":") + 1]
        return words[1:index], incomplete

    def format_completion(self, item: CompletionItem) -> str:
        value = item.value
        if self.trim and value.startswith(self.trim):
            value = value[len(self.trim):]
        return f"{item.type},{value}"


def register() -> None:
    """Add PowerShell (click-pwsh) and the bash class above to click's completion classes."""
    from click_pwsh import support_pwsh_shell_completion

    support_pwsh_shell_completion()
    add_completion_class(BashColonComplete, "bash")
