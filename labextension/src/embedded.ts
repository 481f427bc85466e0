/** The data of one offline output: `{"gz": base64 of gzip of the JSON {doc, view}}` or `{doc, view}`. */
import type { IViewOptions } from './graph/model';

/** The `{doc, view}` of an output: `{"gz": base64 of gzip of the JSON}` or the plain object. */
export async function readEmbedded(
  text: string
): Promise<{ doc: unknown; view: IViewOptions }> {
  let data = JSON.parse(text) as Record<string, unknown>;
  if (data && typeof data.gz === 'string') {
    const bin = atob(data.gz);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) {
      bytes[i] = bin.charCodeAt(i);
    }
    const stream = new Blob([bytes])
      .stream()
      .pipeThrough(new DecompressionStream('gzip'));
    data = JSON.parse(await new Response(stream).text());
  }
  return { doc: data?.doc, view: (data?.view as IViewOptions) ?? {} };
}
