// The dashboard runs for hours with a small live heap (about 20 MB) but
// allocates a little on every refresh, and V8 then doubles its young
// generation step by step up to 2 x 16 MB of semi-spaces that it keeps for
// good: ~30 MB of RSS holding short-lived garbage (RSS was 110 MB at 200
// containers). Growth factor 1 keeps the young generation at the size it has
// reached; the cost is more frequent scavenges, each cheap because little
// survives a refresh. Called once the first frame is drawn: start-up, when
// most of what is allocated survives, runs with V8's defaults.
// (`--max-semi-space-size` would say it too, but only on the command line;
// this flag is read whenever V8 considers growing, so it works from here.)
import v8 from 'node:v8';

export function stopYoungGenerationGrowth(): void {
  v8.setFlagsFromString('--semi-space-growth-factor=1');
}
