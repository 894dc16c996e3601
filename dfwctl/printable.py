"""Text that is safe to show on a terminal: characters that would move the cursor, change
colours, break a line in the middle of a message or reverse its direction (control, format
and line-separator characters) are written as escapes (\\x1b, \\u2028). A playbook key, an
engine's answer or a file name can carry any of them."""
from __future__ import annotations

KEEP = "\n\t"


def printable(text: str, keep: str = KEEP) -> str:
    if text.isprintable() or all(c.isprintable() or c in keep for c in text):
        return text
    return "".join(c if c.isprintable() or c in keep else _escape(c) for c in text)


def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"
