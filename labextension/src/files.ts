/** The PROV Graph viewer: its document widget factory and which files it opens (file types and extensions). */
// Here rather than in mime.ts so the open command (plugin.ts) names the factory without loading the renderer.
export const FACTORY = 'PROV Graph';
export const FILE_TYPE = 'provjson';
export const JSONLD_FILE_TYPE = 'jsonld';
/** File types the viewer may open (the file browser shows "Open as PROV graph" on these only). */
export const OPENABLE_FILE_TYPES = [FILE_TYPE, 'json', JSONLD_FILE_TYPE];
export const OPENABLE_EXTENSIONS = [
  '.provjson',
  '.prov.json',
  '.json',
  '.jsonld'
];

/** Whether the viewer may open `path` (by extension). */
export function canOpen(path: string | null | undefined): boolean {
  const p = (path ?? '').toLowerCase();
  return OPENABLE_EXTENSIONS.some(ext => p.endsWith(ext));
}
