/**
 * Reading PROV-JSON (https://www.w3.org/submissions/prov-json/) into plain records.
 *
 * Pure functions, no DOM. Every string read from the document is untrusted: it is kept verbatim and
 * only ever shown through `textContent` or drawn on a canvas.
 */

export type ElementKind = 'entity' | 'activity' | 'agent';

/** One attribute value in display form: its text plus the datatype or language tag, if any. */
export interface IProvValue {
  text: string;
  type?: string;
  lang?: string;
}

export type ProvAttrs = Record<string, IProvValue[]>;

export interface IProvElement {
  id: string;
  kind: ElementKind;
  attrs: ProvAttrs;
  /** True when the id is only referenced by relations, not described in the document. */
  implicit?: boolean;
}

/**
 * An element read from the document: its records are kept as they are and decoded on first use of
 * `attrs` (most elements of a large document are folded and never shown; `attrText` reads one attribute
 * without decoding the rest).
 */
class LazyElement implements IProvElement {
  implicit?: boolean;
  private _attrs: ProvAttrs | null = null;
  constructor(
    public id: string,
    public kind: ElementKind,
    private _raw: Record<string, unknown>[]
  ) {}

  get attrs(): ProvAttrs {
    if (!this._attrs) {
      const a: ProvAttrs = {};
      for (const r of this._raw) {
        mergeAttrs(a, r);
      }
      this._attrs = a;
    }
    return this._attrs;
  }

  set attrs(a: ProvAttrs) {
    this._attrs = a;
  }

  addRecord(rec: Record<string, unknown>): void {
    this._raw.push(rec);
    this._attrs = null;
  }

  /** Text of the first value of attribute `name` from the raw record (no decoding of the others). */
  rawText(name: string): string | undefined {
    if (this._attrs) {
      return firstText(this._attrs, name);
    }
    for (const r of this._raw) {
      if (name in r) {
        const v = r[name];
        const x = Array.isArray(v) ? v[0] : v;
        if (x !== undefined) {
          return decodeValue(x).text;
        }
      }
    }
    return undefined;
  }

  /** prov:type values (texts), from the raw records. */
  rawTypes(): string[] {
    if (this._attrs) {
      return (this._attrs['prov:type'] ?? []).map(v => v.text);
    }
    const out: string[] = [];
    for (const r of this._raw) {
      const v = r['prov:type'];
      if (v === undefined) {
        continue;
      }
      for (const x of Array.isArray(v) ? v : [v]) {
        const t = decodeValue(x).text;
        if (!out.includes(t)) {
          out.push(t);
        }
      }
    }
    return out;
  }
}

/** Text of the first value of attribute `name` of an element (cheap on not-yet-decoded elements). */
export function attrText(el: IProvElement, name: string): string | undefined {
  return el instanceof LazyElement
    ? el.rawText(name)
    : firstText(el.attrs, name);
}

export interface IProvRelation {
  kind: string;
  /** The record id from the document (`_:id1` for anonymous relations written by prov). */
  id: string;
  from: string;
  to: string;
  /** Formal attributes other than the two endpoints (prov:time, prov:activity of a derivation, …). */
  formal: Record<string, string>;
  attrs: ProvAttrs;
}

export interface IParsedProv {
  prefixes: Record<string, string>;
  elements: Map<string, IProvElement>;
  relations: IProvRelation[];
  /** Records per PROV-JSON kind as found in the document (entity, activity, agent, used, …). */
  counts: Record<string, number>;
}

export const ELEMENT_KINDS: ElementKind[] = ['entity', 'activity', 'agent'];

/** Relation kind → [from, to] formal attribute names (the endpoints an edge is drawn between). */
export const RELATION_ENDPOINTS: Record<string, [string, string]> = {
  wasGeneratedBy: ['prov:entity', 'prov:activity'],
  used: ['prov:activity', 'prov:entity'],
  wasInformedBy: ['prov:informed', 'prov:informant'],
  wasStartedBy: ['prov:activity', 'prov:starter'],
  wasEndedBy: ['prov:activity', 'prov:ender'],
  wasInvalidatedBy: ['prov:entity', 'prov:activity'],
  wasDerivedFrom: ['prov:generatedEntity', 'prov:usedEntity'],
  wasAttributedTo: ['prov:entity', 'prov:agent'],
  wasAssociatedWith: ['prov:activity', 'prov:agent'],
  actedOnBehalfOf: ['prov:delegate', 'prov:responsible'],
  wasInfluencedBy: ['prov:influencee', 'prov:influencer'],
  specializationOf: ['prov:specificEntity', 'prov:generalEntity'],
  alternateOf: ['prov:alternate1', 'prov:alternate2'],
  hadMember: ['prov:collection', 'prov:entity'],
  mentionOf: ['prov:specificEntity', 'prov:generalEntity']
};

export const RELATION_KINDS = Object.keys(RELATION_ENDPOINTS);

/** Fallback endpoints (start/end may name a trigger entity instead of a starter/ender activity). */
const ALT_ENDPOINT: Record<string, string> = {
  'prov:starter': 'prov:trigger',
  'prov:ender': 'prov:trigger'
};

/** Kind of an element that is only referenced, from the formal attribute naming it. */
const FORMAL_KIND: Record<string, ElementKind> = {
  'prov:activity': 'activity',
  'prov:informed': 'activity',
  'prov:informant': 'activity',
  'prov:starter': 'activity',
  'prov:ender': 'activity',
  'prov:agent': 'agent',
  'prov:delegate': 'agent',
  'prov:responsible': 'agent'
};

/** Formal (non-attribute) keys of relation records. */
const FORMAL_KEYS = new Set([
  'prov:entity',
  'prov:activity',
  'prov:time',
  'prov:informed',
  'prov:informant',
  'prov:trigger',
  'prov:starter',
  'prov:ender',
  'prov:generatedEntity',
  'prov:usedEntity',
  'prov:generation',
  'prov:usage',
  'prov:agent',
  'prov:plan',
  'prov:delegate',
  'prov:responsible',
  'prov:influencee',
  'prov:influencer',
  'prov:specificEntity',
  'prov:generalEntity',
  'prov:alternate1',
  'prov:alternate2',
  'prov:collection',
  'prov:bundle'
]);

/** One PROV-JSON attribute value (string, number, boolean or `{"$": …, "type"|"lang": …}`) → IProvValue. */
export function decodeValue(v: unknown): IProvValue {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const text = o['$'];
    const out: IProvValue = {
      text: text === undefined || text === null ? '' : String(text)
    };
    if (typeof o['type'] === 'string') {
      out.type = o['type'] as string;
    }
    if (typeof o['lang'] === 'string') {
      out.lang = o['lang'] as string;
    }
    return out;
  }
  if (typeof v === 'number') {
    return {
      text: String(v),
      type: Number.isInteger(v) ? 'xsd:int' : 'xsd:double'
    };
  }
  if (typeof v === 'boolean') {
    return { text: String(v), type: 'xsd:boolean' };
  }
  return { text: v === undefined || v === null ? '' : String(v) };
}

function decodeValues(v: unknown): IProvValue[] {
  return Array.isArray(v) ? v.map(decodeValue) : [decodeValue(v)];
}

function mergeAttrs(into: ProvAttrs, rec: Record<string, unknown>): void {
  for (const k in rec) {
    const vals = decodeValues(rec[k]);
    const cur = into[k];
    if (!cur) {
      into[k] = vals;
      continue;
    }
    for (const x of vals) {
      if (
        !cur.some(
          c => c.text === x.text && c.type === x.type && c.lang === x.lang
        )
      ) {
        cur.push(x);
      }
    }
  }
}

const NO_ATTRS: ProvAttrs = Object.freeze({}) as ProvAttrs;
const NO_FORMAL: Record<string, string> = Object.freeze({}) as Record<
  string,
  string
>;

function isRecord(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

function asRecords(v: unknown): Record<string, unknown>[] {
  if (isRecord(v)) {
    return [v];
  }
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

function formalText(v: unknown): string | undefined {
  if (v === undefined || v === null) {
    return undefined;
  }
  if (typeof v === 'object' && !Array.isArray(v) && '$' in (v as object)) {
    return String((v as Record<string, unknown>)['$']);
  }
  return String(v);
}

/**
 * Parse a PROV-JSON object (or its text) into elements and relations. Bundles are flattened into the
 * document; several records under one element id are unioned; ids referenced by relations but not
 * described become `implicit` elements. Throws `Error` with one line when the input is not an object.
 */
export function parseProvJson(input: unknown): IParsedProv {
  let doc = input;
  if (typeof doc === 'string') {
    doc = JSON.parse(doc);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new Error('not a PROV-JSON document: expected a JSON object');
  }
  const out: IParsedProv = {
    prefixes: {},
    elements: new Map(),
    relations: [],
    counts: {}
  };
  readInto(doc as Record<string, unknown>, out);
  // Referenced but undescribed ids.
  const els = out.elements;
  for (const r of out.relations) {
    if (r.from && !els.has(r.from)) {
      const key = RELATION_ENDPOINTS[r.kind][0];
      els.set(r.from, {
        id: r.from,
        kind: FORMAL_KIND[key] ?? 'entity',
        attrs: {},
        implicit: true
      });
    }
    if (r.to && !els.has(r.to)) {
      const key = RELATION_ENDPOINTS[r.kind][1];
      els.set(r.to, {
        id: r.to,
        kind: FORMAL_KIND[key] ?? 'entity',
        attrs: {},
        implicit: true
      });
    }
  }
  return out;
}

function readInto(doc: Record<string, unknown>, out: IParsedProv): void {
  const prefix = doc['prefix'];
  if (prefix && typeof prefix === 'object') {
    for (const [k, v] of Object.entries(prefix as Record<string, unknown>)) {
      if (!(k in out.prefixes)) {
        out.prefixes[k] = String(v);
      }
    }
  }
  for (const kind of ELEMENT_KINDS) {
    const group = doc[kind];
    if (!group || typeof group !== 'object') {
      continue;
    }
    const g = group as Record<string, unknown>;
    let n = 0;
    for (const id in g) {
      for (const rec of asRecords(g[id])) {
        n++;
        const el = out.elements.get(id);
        if (!el) {
          out.elements.set(id, new LazyElement(id, kind, [rec]));
        } else if (el instanceof LazyElement) {
          el.addRecord(rec);
        } else {
          mergeAttrs(el.attrs, rec);
        }
      }
    }
    if (n) {
      out.counts[kind] = (out.counts[kind] ?? 0) + n;
    }
  }
  for (const kind of RELATION_KINDS) {
    const group = doc[kind];
    if (!group || typeof group !== 'object') {
      continue;
    }
    const g = group as Record<string, unknown>;
    const [fromKey, toKey] = RELATION_ENDPOINTS[kind];
    const altKey = ALT_ENDPOINT[toKey];
    let n = 0;
    for (const id in g) {
      for (const rec of asRecords(g[id])) {
        n++;
        let from = '';
        let to = '';
        let alt = '';
        let formal = NO_FORMAL;
        let attrs = NO_ATTRS;
        for (const k in rec) {
          const v = rec[k];
          if (k === fromKey) {
            from = formalText(v) ?? '';
          } else if (k === toKey) {
            to = formalText(v) ?? '';
          } else if (FORMAL_KEYS.has(k)) {
            const t = formalText(v);
            if (t !== undefined) {
              if (formal === NO_FORMAL) {
                formal = {};
              }
              formal[k] = t;
              if (k === altKey) {
                alt = t;
              }
            }
          } else {
            if (attrs === NO_ATTRS) {
              attrs = {};
            }
            attrs[k] = decodeValues(v);
          }
        }
        out.relations.push({ kind, id, from, to: to || alt, formal, attrs });
      }
    }
    if (n) {
      out.counts[kind] = (out.counts[kind] ?? 0) + n;
    }
  }
  const bundles = doc['bundle'];
  if (bundles && typeof bundles === 'object') {
    for (const b of Object.values(bundles as Record<string, unknown>)) {
      if (b && typeof b === 'object' && !Array.isArray(b)) {
        readInto(b as Record<string, unknown>, out);
      }
    }
  }
}

/** Number of element ids (entities, activities, agents, bundles included) of a PROV-JSON object, cheaply. */
export function countElements(doc: unknown): number {
  if (!isRecord(doc)) {
    return 0;
  }
  let n = 0;
  for (const kind of ELEMENT_KINDS) {
    const group = doc[kind];
    if (isRecord(group)) {
      n += Object.keys(group).length;
    }
  }
  const bundles = doc['bundle'];
  if (isRecord(bundles)) {
    for (const b of Object.values(bundles)) {
      n += countElements(b);
    }
  }
  return n;
}

/** First text value of attribute `name`, or undefined. */
export function firstText(attrs: ProvAttrs, name: string): string | undefined {
  const v = attrs[name];
  return v && v.length ? v[0].text : undefined;
}

/** All prov:type values of an element, as texts. */
export function typesOf(el: IProvElement): string[] {
  if (el instanceof LazyElement) {
    return el.rawTypes();
  }
  return (el.attrs['prov:type'] ?? []).map(v => v.text);
}

/** Types that say what an element *is* less precisely than a domain type does. */
const GENERIC_TYPES = new Set([
  'prov:Collection',
  'prov:EmptyCollection',
  'prov:Person',
  'prov:Organization',
  'prov:SoftwareAgent',
  'prov:Bundle',
  'prov:Plan',
  'prov:Revision'
]);

/**
 * The type an element is filtered and grouped by: its first non-`prov:` type (e.g. `m2p:Run`), else its
 * first type, else `prov:Entity` / `prov:Activity` / `prov:Agent`.
 */
export function primaryType(el: IProvElement): string {
  const types = typesOf(el);
  const specific = types.find(
    t => !GENERIC_TYPES.has(t) && !t.startsWith('prov:')
  );
  if (specific) {
    return specific;
  }
  if (types.length) {
    return types[0];
  }
  return 'prov:' + el.kind.charAt(0).toUpperCase() + el.kind.slice(1);
}

/** Parse an xsd:dateTime text to epoch milliseconds (NaN when absent or unparsable). */
export function timeMs(text: string | undefined): number {
  if (!text) {
    return NaN;
  }
  return Date.parse(text);
}
