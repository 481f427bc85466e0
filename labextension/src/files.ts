/** Which files the PROV Graph viewer opens (file types and extensions). */
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
