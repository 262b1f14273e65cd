// Container output on a terminal: its control characters shown, not obeyed.
// A log is whatever the container wrote, and a terminal acts on escape
// sequences: they move the cursor and rewrite what is on screen (hiding
// lines), set the window title, and on some terminals answer back into the
// input or change the clipboard. `tsbox logs` on a terminal and the
// dashboard's Logs tab show them as text instead: the C0 controls and DEL
// in caret notation (ESC is ^[, BEL ^G, DEL ^?), a C1 control as its 7-bit
// form (CSI, U+009B, is ^[[). Tab and newline stay, and a carriage return
// that ends a line goes: a terminal inside the container ends every line
// with one.

/** TEXT with every control character but tab and newline made visible. */
export function visible(text: string): string {
  return text.replace(/\r+(?=\n|$)/g, '').replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (c) => {
    const n = c.charCodeAt(0);
    if (n === 0x7f) return '^?';
    return n < 0x20 ? `^${String.fromCharCode(n + 0x40)}` : `^[${String.fromCharCode(n - 0x40)}`;
  });
}
