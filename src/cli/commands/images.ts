// tsbox images / image import|ls|inspect|rm|tag|history|prune / rmi
import type { Command } from '../command.js';
import { openEngine } from '../open-engine.js';
import { UserError } from '../../common/errors.js';
import { bool, str } from '../args.js';
import { ago, formatFlag, formatOrTemplate, humanSize, json, table } from '../format.js';
import { formatRows, goMap } from '../go-template.js';
import type { Parsed } from '../args.js';
import type { GlobalOptions } from '../command.js';
import { print } from '../output.js';
import { imageHistory, inspectImage, sharedSizes } from '../../engine/image-inspect.js';
import { parseReference, formatRef } from '../../engine/registry/reference.js';
import type { Engine } from '../../engine/engine.js';
import type { ImageRecord } from '../../engine/types.js';

function listImages(p: Parsed, g: GlobalOptions): number {
  const engine = openEngine(g);
  const images = engine.images.list();
  const format = formatOrTemplate(str(p, 'format'));
  if (bool(p, 'quiet')) {
    print([...new Set(images.map((i) => i.id.slice(0, 12)))].map((id) => `${id}\n`).join(''));
    return 0;
  }
  const shared = sharedSizes(engine.images, images);
  if (format === 'json') {
    print(json(images.map((i) => podmanImage(i, shared.get(i.id) ?? 0))));
    return 0;
  }
  if (typeof format === 'object') {
    // a row per name, as podman's templates see them: Repository and Tag apart
    const rows = images.flatMap((i) => (i.names?.length ? i.names : [i.name]).map((n) => ({ i, n })));
    const items = rows.map(({ i, n }) => {
      const at = n.lastIndexOf(':');
      const tagged = at > n.lastIndexOf('/');
      return {
        ...podmanImage(i, shared.get(i.id) ?? 0),
        ID: i.id.slice(0, 12),
        Repository: tagged ? n.slice(0, at) : n,
        Tag: tagged ? n.slice(at + 1) : '<none>',
        Created: i.kind === 'host' ? 'built-in' : ago(i.created),
        Size: i.kind === 'host' ? '-' : humanSize(i.size),
        Labels: goMap({ ...(i.config?.config?.Labels ?? {}) }),
      };
    });
    print(formatRows(format.template, items, { name: 'images', titles: { ID: 'IMAGE ID' } }));
    return 0;
  }
  // a row per name, as podman lists each tag
  const rows = images.flatMap((i) => (i.kind === 'oci' && (i.names?.length ?? 0) > 1 ? i.names!.map((n) => ({ ...i, name: n })) : [i]));
  print(
    table(
      ['NAME', 'ID', 'CREATED', 'SIZE', 'SHARED', 'SOURCE'],
      rows.map((i) => [
        i.name,
        i.id.slice(0, 12),
        i.kind === 'host' ? 'built-in' : ago(i.created),
        i.kind === 'host' ? '-' : humanSize(i.size),
        i.kind === 'oci' ? humanSize(shared.get(i.id) ?? 0) : '-',
        i.source,
      ]),
    ),
  );
  return 0;
}

async function removeImages(names: string[], force: boolean, g: GlobalOptions): Promise<number> {
  if (names.length === 0) throw new UserError('rmi needs at least one image name');
  const engine = openEngine(g);
  for (const n of names) {
    const rec = engine.images.get(n);
    if (force) for (const c of engine.imageUsers(rec)) await engine.remove(c, { force: true });
    const what = engine.images.remove(n, (r) => engine.imageUsers(r), force);
    print(`${what}\n`);
  }
  return 0;
}

/** image tag IMAGE NAME...: NAME made full as a pull would (short names: localhost/NAME, as podman). */
async function tagImage(engine: Engine, rest: string[]): Promise<number> {
  if (rest.length < 2) throw new UserError('usage: tsbox image tag IMAGE NAME...');
  const rec = engine.images.findOci(rest[0]);
  if (!rec) throw new UserError(`image '${rest[0]}' not found among the layered images`, 125, 'Only pulled or loaded images take more names; see tsbox images.');
  let cur = rec;
  for (const name of rest.slice(1)) {
    const [ref] = parseReference(name, ['localhost']);
    if (ref.digest) throw new UserError(`'${name}': a tag names no digest`);
    cur = await engine.records.locked(() => engine.images.oci.tag(engine.images.oci.byId(cur.id)!, formatRef(ref)));
  }
  return 0;
}

function history(engine: Engine, p: Parsed, ref: string): number {
  const rec = engine.images.get(ref);
  const rows = imageHistory(engine.images, rec);
  if (formatFlag(str(p, 'format')) === 'json') {
    print(json(rows.map((r) => ({ id: r.id, created: r.created, createdBy: r.createdBy, size: r.size, comment: r.comment }))));
    return 0;
  }
  print(table(['ID', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'], rows.map((r) => [r.id.slice(0, 12), r.created ? ago(r.created) : '', r.createdBy.slice(0, 60), humanSize(r.size), r.comment])));
  return 0;
}

/** image prune: layered images with no name and no container, then layers no image lists (-a: every image no container uses). */
async function prune(engine: Engine, all: boolean): Promise<number> {
  const removed: string[] = [];
  await engine.records.locked(() => {
    for (const rec of engine.images.oci.list()) {
      if ((rec.names?.length && !all) || engine.imageUsers(rec).length) continue;
      engine.images.oci.remove(rec.id);
      removed.push(rec.id);
    }
  });
  const freed = engine.images.pruneLayers();
  for (const id of removed) print(`${id}\n`);
  process.stderr.write(`${removed.length} image(s) removed, ${humanSize(freed)} of layers freed\n`);
  return 0;
}

const ARCHIVE_FLAGS = [
  { name: 'input', short: 'i', type: 'string' as const, arg: 'FILE', help: 'load: a docker/podman save archive, or an OCI layout (dir or tar)' },
  { name: 'output', short: 'o', type: 'string' as const, arg: 'FILE', help: 'save: where to write' },
  { name: 'format', type: 'string' as const, arg: 'FORMAT', help: 'save: oci-archive (a tar, the default) or oci-dir' },
];

const formatFlagSpec = { name: 'format', type: 'string' as const, arg: 'FORMAT', help: 'json, a Go template ({{.Repository}}:{{.Tag}}), or table (default); save: oci-archive (default) or oci-dir' };
const forceFlag = { name: 'force', short: 'f', type: 'bool' as const, help: 'rmi: remove the containers that use it too, and every name' };

export const images: Command = {
  name: 'images',
  summary: 'List images',
  usage: 'tsbox images [-q] [--format json|TEMPLATE]',
  flags: [formatFlagSpec, { name: 'quiet', short: 'q', type: 'bool', help: 'print only image ids' }],
  run: async (p, g) => listImages(p, g),
};

export const rmi: Command = {
  name: 'rmi',
  summary: 'Remove images',
  usage: 'tsbox rmi [-f] IMAGE...',
  flags: [forceFlag],
  run: (p, g) => removeImages(p.positionals, bool(p, 'force'), g),
};

export const image: Command = {
  name: 'image',
  summary: 'Manage images: import, load, save, ls, inspect, rm, tag, history, prune',
  usage:
    'tsbox image import PATH --name NAME | image load -i FILE | image save -o FILE IMAGE | image ls | image inspect IMAGE... | image rm [-f] IMAGE... | image tag IMAGE NAME... | image history IMAGE | image prune [-a]',
  flags: [
    { name: 'name', type: 'string', arg: 'NAME', help: 'name for the imported image (import)' },
    formatFlagSpec,
    forceFlag,
    { name: 'all', short: 'a', type: 'bool', help: 'prune: every image no container uses, not only those without a name' },
    ...ARCHIVE_FLAGS.filter((f) => f.name !== 'format'),
  ],
  async run(p, g) {
    const [sub, ...rest] = p.positionals;
    switch (sub) {
      case 'import': {
        const name = str(p, 'name');
        if (rest.length !== 1 || !name) throw new UserError('usage: tsbox image import PATH --name NAME', 125, 'PATH is a rootfs directory or a tar(.gz) archive such as `docker export` output.');
        const rec = await openEngine(g).images.import(rest[0], name);
        print(`${rec.name} ${rec.id}\n`);
        return 0;
      }
      case 'load':
        return loadCmd.run({ ...p, positionals: rest }, g);
      case 'save':
        return saveCmd.run({ ...p, positionals: rest }, g);
      case 'ls':
      case 'list':
        return listImages(p, g);
      case 'inspect': {
        if (rest.length === 0) throw new UserError('usage: tsbox image inspect IMAGE...');
        const engine = openEngine(g);
        print(json(rest.map((n) => inspectImage(engine.images, engine.images.get(n)))));
        return 0;
      }
      case 'rm':
        return removeImages(rest, bool(p, 'force'), g);
      case 'tag':
        return tagImage(openEngine(g), rest);
      case 'history':
        if (rest.length !== 1) throw new UserError('usage: tsbox image history IMAGE');
        return history(openEngine(g), p, rest[0]);
      case 'prune':
        return prune(openEngine(g), bool(p, 'all'));
      default:
        throw new UserError(sub ? `unknown image command '${sub}'` : 'image needs a subcommand', 125, 'Use: import, load, save, ls, inspect, rm, tag, history, prune.');
    }
  },
};

export const loadCmd: Command = {
  name: 'load',
  summary: 'Load images from a docker/podman save archive or an OCI layout',
  usage: 'tsbox load -i FILE',
  flags: ARCHIVE_FLAGS,
  async run(p, g) {
    const input = str(p, 'input') ?? p.positionals[0];
    if (!input) throw new UserError('usage: tsbox image load -i FILE', 125, 'FILE is a `docker save` / `podman save` archive, or an OCI layout (a directory or a tar of one).');
    for (const rec of await openEngine(g).load(input)) {
      if (rec.names?.length) for (const n of rec.names) print(`Loaded image: ${n}\n`);
      else print(`Loaded image: sha256:${rec.id}\n`);
    }
    return 0;
  },
};

export const saveCmd: Command = {
  name: 'save',
  summary: 'Save an image as an OCI layout (podman load and skopeo read it)',
  usage: 'tsbox save -o FILE [--format oci-archive|oci-dir] IMAGE',
  flags: ARCHIVE_FLAGS,
  async run(p, g) {
    const out = str(p, 'output');
    const format = str(p, 'format') ?? 'oci-archive';
    if (format !== 'oci-archive' && format !== 'oci-dir') throw new UserError(`invalid --format '${format}' for save`, 125, 'Use oci-archive (a tar, the default) or oci-dir.');
    if (!out || p.positionals.length !== 1) throw new UserError('usage: tsbox image save -o FILE IMAGE', 125, 'Writing an archive to a terminal is not done: give -o FILE.');
    await openEngine(g).save(p.positionals[0], out, format);
    return 0;
  },
};

/** An image as podman's `images --format json` has it (Id, RepoTags, Size, Created as a Unix time...), then tsbox's record's keys as before. */
function podmanImage(i: ImageRecord, sharedSize: number) {
  return {
    Id: i.id,
    ParentId: '',
    RepoTags: i.names ?? [i.name],
    RepoDigests: i.repoDigests ?? [],
    Size: i.size,
    SharedSize: sharedSize,
    VirtualSize: i.size,
    Labels: i.config?.config?.Labels ?? null,
    Names: i.names ?? [i.name],
    Digest: i.digest ?? '',
    Created: Math.floor(Date.parse(i.created) / 1000) || 0,
    CreatedAt: i.created,
    ...i,
  };
}
