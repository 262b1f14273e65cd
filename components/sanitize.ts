// Text from outside tsbox (container output, labels, paths, typed filters)
// reaches the terminal only through the components, and they pass it
// through here first: a control character (ESC among them) would otherwise
// be obeyed by the terminal, not shown. Ink keeps SGR and OSC sequences
// (hyperlinks, window titles) in text it is given, so it is no filter.
export function sanitize(s: string): string {
  return s.replace(/\t/g, ' ').replace(/[\x00-\x1f\x7f-\x9f]/g, '\ufffd');
}
