import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

import { readEmbedded } from '../src/embedded';
import { sampleDoc } from './fixtures';

describe('offline output data', () => {
  it('reads {gz: base64(gzip(JSON))} with the platform DecompressionStream, and plain {doc, view}', async () => {
    const payload = { doc: sampleDoc(), view: { fold: 'none', title: 'x' } };
    const gz = gzipSync(Buffer.from(JSON.stringify(payload))).toString(
      'base64'
    );
    expect(await readEmbedded(JSON.stringify({ gz }))).toEqual(payload);
    expect(await readEmbedded(JSON.stringify(payload))).toEqual(payload);
    expect(await readEmbedded(JSON.stringify({ doc: { entity: {} } }))).toEqual(
      { doc: { entity: {} }, view: {} }
    );
  });
});
