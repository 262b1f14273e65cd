// Two V8 settings for a process that runs for hours and works for a few
// milliseconds once a second. Made once the first frame is drawn: start-up,
// when most of what is allocated survives and the code runs once, runs with
// V8's defaults. (Both could be said on the command line too; these flags
// are read whenever V8 considers them, so they work from here.)
import v8 from 'node:v8';

export function tuneV8ForRefreshes(): void {
  // A small young generation. The live heap is small (about 20 MB) but a
  // little is allocated on every refresh, and V8 then doubles its young
  // generation step by step up to 2 x 16 MB of semi-spaces that it keeps
  // for good: ~30 MB of RSS holding short-lived garbage (RSS was 110 MB at
  // 200 containers). Growth factor 1 keeps it at the size it has reached;
  // the cost is more frequent scavenges, each cheap because little survives
  // a refresh.
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  // Later optimization. V8 sends a function to TurboFan after it has run a
  // budget of bytecode a few times; React's and Ink's work loops (thousands
  // of lines each) reach that within the first minute at one frame a
  // second, and compiling them, and again after each deoptimization, took
  // more CPU on V8's worker threads than the optimized code saves at that
  // rate: with 20 containers, 150-180 ms of worker time in 30 s against
  // 50-90 ms with four times the budget, for 20-40 ms more on the main
  // thread. Hot code (a held-down key, a long log) still gets optimized.
  v8.setFlagsFromString('--interrupt-budget=270336');
}
