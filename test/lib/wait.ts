// Waiting for something a real process does: poll for the condition, with a
// deadline, rather than sleep for a time it usually takes.

/** Poll DONE every 10 ms until it holds; fail after MS, naming WHAT was awaited. */
export async function until(what: string, done: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timeout after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
