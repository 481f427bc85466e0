/** PROV-JSON documents for the graph module tests, shaped like the extractor's output. */

type Rec = Record<string, unknown>;
const q = (t: string) => ({ $: t, type: 'xsd:QName' });
const dt = (t: string) => ({ $: t, type: 'xsd:dateTime' });
const int = (n: number) => ({ $: String(n), type: 'xsd:int' });
const dbl = (n: number) => ({ $: String(n), type: 'xsd:double' });

export const PREFIX = {
  m2p: 'https://w3id.org/mlflow2prov-jupyter/vocab#',
  git: 'https://w3id.org/mlflow2prov-jupyter/git/',
  mlflow: 'https://w3id.org/mlflow2prov-jupyter/mlflow/',
  user: 'https://w3id.org/mlflow2prov-jupyter/user/'
};

/** Builder collecting records under PROV-JSON kinds with `_:idN` relation ids. */
export class DocBuilder {
  doc: Record<string, Rec> = { prefix: { ...PREFIX } };
  private n = 0;
  add(kind: string, id: string, rec: Rec): this {
    (this.doc[kind] ??= {})[id] = rec;
    return this;
  }
  rel(kind: string, rec: Rec): this {
    this.n++;
    return this.add(kind, `_:id${this.n}`, rec);
  }
}

/** A small project: one commit with two README revisions, one experiment, one run with params, tags, metrics. */
export function sampleDoc(): Rec {
  const b = new DocBuilder();
  b.add('agent', 'user:git/ann%40x.org', {
    'prov:type': [q('m2p:GitUser'), q('prov:Person')],
    'prov:label': 'Ann',
    'm2p:name': 'Ann',
    'm2p:email': 'ann@x.org'
  });
  b.add('agent', 'user:mlflow/alice', {
    'prov:type': [q('m2p:MlflowUser'), q('prov:Person')],
    'prov:label': 'alice',
    'm2p:username': 'alice'
  });
  for (const [i, sha] of ['c0', 'c1'].entries()) {
    b.add('activity', `git:commit/${sha}`, {
      'prov:startTime': `2025-01-0${i + 1}T10:00:00+00:00`,
      'prov:endTime': `2025-01-0${i + 1}T10:00:00+00:00`,
      'prov:type': q('m2p:Commit'),
      'prov:label': `${sha} commit ${i}`,
      'm2p:sha': sha
    });
    b.rel('wasAssociatedWith', {
      'prov:activity': `git:commit/${sha}`,
      'prov:agent': 'user:git/ann%40x.org',
      'prov:role': ['CommitAuthor', 'Committer']
    });
    b.add('entity', `git:revision/${sha}/README.md`, {
      'prov:type': q('m2p:FileRevision'),
      'prov:label': `README.md@${sha}`,
      'm2p:path': 'README.md',
      'm2p:status': i ? 'modified' : 'added'
    });
    b.rel('specializationOf', {
      'prov:specificEntity': `git:revision/${sha}/README.md`,
      'prov:generalEntity': 'git:file/c0/README.md'
    });
    b.rel('wasGeneratedBy', {
      'prov:entity': `git:revision/${sha}/README.md`,
      'prov:activity': `git:commit/${sha}`,
      'prov:time': `2025-01-0${i + 1}T10:00:00+00:00`,
      'prov:role': i ? 'ModifiedRevision' : 'AddedRevision'
    });
  }
  b.rel('wasInformedBy', {
    'prov:informed': 'git:commit/c1',
    'prov:informant': 'git:commit/c0'
  });
  b.rel('wasDerivedFrom', {
    'prov:generatedEntity': 'git:revision/c1/README.md',
    'prov:usedEntity': 'git:revision/c0/README.md',
    'prov:type': q('prov:Revision')
  });
  b.add('entity', 'git:file/c0/README.md', {
    'prov:type': q('m2p:File'),
    'prov:label': 'README.md',
    'm2p:path': 'README.md'
  });
  b.add('entity', 'mlflow:experiment/1', {
    'prov:type': [q('m2p:Experiment'), q('prov:Collection')],
    'prov:label': 'wine',
    'm2p:experiment_id': '1',
    'm2p:created_at': dt('2025-01-03T09:00:00+00:00')
  });
  b.add('activity', 'mlflow:experiment/1/creation', {
    'prov:startTime': '2025-01-03T09:00:00+00:00',
    'prov:endTime': '2025-01-03T09:00:00+00:00',
    'prov:type': q('m2p:ExperimentCreation')
  });
  b.rel('wasGeneratedBy', {
    'prov:entity': 'mlflow:experiment/1',
    'prov:activity': 'mlflow:experiment/1/creation',
    'prov:role': 'AddedExperiment'
  });
  b.add('entity', 'mlflow:run/r1', {
    'prov:type': [q('m2p:Run'), q('prov:Collection')],
    'prov:label': 'run r1',
    'm2p:run_id': 'r1',
    'm2p:status': 'FINISHED',
    'm2p:user': 'alice'
  });
  b.add('activity', 'mlflow:run/r1/creation', {
    'prov:startTime': '2025-01-03T10:00:00+00:00',
    'prov:endTime': '2025-01-03T10:05:00+00:00',
    'prov:type': q('m2p:RunCreation')
  });
  b.rel('hadMember', {
    'prov:collection': 'mlflow:experiment/1',
    'prov:entity': 'mlflow:run/r1'
  });
  b.rel('wasGeneratedBy', {
    'prov:entity': 'mlflow:run/r1',
    'prov:activity': 'mlflow:run/r1/creation',
    'prov:time': '2025-01-03T10:00:00+00:00',
    'prov:role': 'AddedRun'
  });
  b.rel('wasAttributedTo', {
    'prov:entity': 'mlflow:run/r1',
    'prov:agent': 'user:mlflow/alice'
  });
  b.rel('wasAssociatedWith', {
    'prov:activity': 'mlflow:run/r1/creation',
    'prov:agent': 'user:mlflow/alice',
    'prov:role': 'RunAuthor'
  });
  b.rel('wasInformedBy', {
    'prov:informed': 'mlflow:run/r1/creation',
    'prov:informant': 'git:commit/c1'
  });
  const member = (id: string, type: string, role: string, rec: Rec) => {
    b.add('entity', id, { 'prov:type': q(type), ...rec });
    b.rel('hadMember', {
      'prov:collection': 'mlflow:run/r1',
      'prov:entity': id
    });
    b.rel('wasGeneratedBy', {
      'prov:entity': id,
      'prov:activity': 'mlflow:run/r1/creation',
      'prov:role': role
    });
  };
  member('mlflow:run/r1/param/lr', 'm2p:Param', 'AddedParam', {
    'prov:label': 'lr = 0.1',
    'm2p:key': 'lr',
    'm2p:value': '0.1'
  });
  member('mlflow:run/r1/param/epochs', 'm2p:Param', 'AddedParam', {
    'prov:label': 'epochs = 3',
    'm2p:key': 'epochs',
    'm2p:value': '3'
  });
  member('mlflow:run/r1/tag/mlflow.user', 'm2p:RunTag', 'AddedRunTag', {
    'prov:label': 'mlflow.user = alice',
    'm2p:key': 'mlflow.user',
    'm2p:value': 'alice'
  });
  [0.9, 0.5, 0.3].forEach((v, step) =>
    member(`mlflow:run/r1/metric/loss/${step}`, 'm2p:Metric', 'AddedMetric', {
      'prov:label': `loss[${step}] = ${v}`,
      'm2p:key': 'loss',
      'm2p:value': dbl(v),
      'm2p:step': int(step),
      'm2p:timestamp': dt(`2025-01-03T10:0${step + 1}:00+00:00`)
    })
  );
  member('mlflow:run/r1/metric/acc/0', 'm2p:Metric', 'AddedMetric', {
    'prov:label': 'acc[0] = 0.8',
    'm2p:key': 'acc',
    'm2p:value': dbl(0.8),
    'm2p:step': int(0)
  });
  return b.doc;
}

export const HOSTILE_IMG = '<img src=x onerror=alert(1)>';
export const HOSTILE_SCRIPT = '</script><script>alert(2)</script>';

/** A document whose labels, ids and attribute values are markup. */
export function hostileDoc(): Rec {
  const b = new DocBuilder();
  b.add('entity', 'mlflow:run/x', {
    'prov:type': q('m2p:Run'),
    'prov:label': HOSTILE_IMG,
    'm2p:name': HOSTILE_SCRIPT
  });
  b.add('agent', 'user:mlflow/%3Cimg%3E', {
    'prov:type': q('m2p:MlflowUser'),
    'prov:label': HOSTILE_SCRIPT
  });
  b.add('activity', 'mlflow:run/x/creation', {
    'prov:type': q('m2p:RunCreation'),
    'prov:label': HOSTILE_IMG
  });
  b.rel('wasAttributedTo', {
    'prov:entity': 'mlflow:run/x',
    'prov:agent': 'user:mlflow/%3Cimg%3E',
    'm2p:note': HOSTILE_IMG
  });
  b.rel('wasGeneratedBy', {
    'prov:entity': 'mlflow:run/x',
    'prov:activity': 'mlflow:run/x/creation'
  });
  return b.doc;
}

/**
 * A document of about `target` elements shaped like a long project: commits with revisions, runs with
 * params, tags and long metric histories (metrics dominate).
 */
export function bigDoc(target = 20000): Rec {
  const b = new DocBuilder();
  const runs = 20;
  const keys = 5;
  const commits = 200;
  const params = 10;
  const tags = 15;
  const fixed = commits * 2 + runs * (2 + params + tags) + 3;
  const steps = Math.max(1, Math.floor((target - fixed) / (runs * keys)));
  b.add('agent', 'user:git/dev%40x.org', {
    'prov:type': [q('m2p:GitUser'), q('prov:Person')],
    'prov:label': 'dev'
  });
  b.add('agent', 'user:mlflow/dev', {
    'prov:type': [q('m2p:MlflowUser'), q('prov:Person')],
    'prov:label': 'dev'
  });
  b.add('entity', 'mlflow:experiment/1', {
    'prov:type': [q('m2p:Experiment'), q('prov:Collection')],
    'prov:label': 'exp'
  });
  const t0 = Date.UTC(2025, 0, 1);
  const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00');
  for (let c = 0; c < commits; c++) {
    const id = `git:commit/${c.toString(16).padStart(40, '0')}`;
    b.add('activity', id, {
      'prov:startTime': iso(t0 + c * 3600e3),
      'prov:type': q('m2p:Commit'),
      'prov:label': `commit ${c}`
    });
    b.rel('wasAssociatedWith', {
      'prov:activity': id,
      'prov:agent': 'user:git/dev%40x.org',
      'prov:role': 'CommitAuthor'
    });
    if (c) {
      b.rel('wasInformedBy', {
        'prov:informed': id,
        'prov:informant': `git:commit/${(c - 1).toString(16).padStart(40, '0')}`
      });
    }
    const rev = `git:revision/${c}/src/f${c % 10}.py`;
    b.add('entity', rev, {
      'prov:type': q('m2p:FileRevision'),
      'prov:label': `f${c % 10}.py@${c}`
    });
    b.rel('wasGeneratedBy', {
      'prov:entity': rev,
      'prov:activity': id,
      'prov:role': 'ModifiedRevision'
    });
    b.rel('specializationOf', {
      'prov:specificEntity': rev,
      'prov:generalEntity': `git:file/0/src/f${c % 10}.py`
    });
  }
  for (let f = 0; f < 10; f++) {
    b.add('entity', `git:file/0/src/f${f}.py`, {
      'prov:type': q('m2p:File'),
      'prov:label': `src/f${f}.py`
    });
  }
  for (let r = 0; r < runs; r++) {
    const run = `mlflow:run/run${r}`;
    const rc = `${run}/creation`;
    b.add('entity', run, {
      'prov:type': [q('m2p:Run'), q('prov:Collection')],
      'prov:label': `run ${r}`
    });
    b.add('activity', rc, {
      'prov:startTime': iso(t0 + r * 7200e3),
      'prov:type': q('m2p:RunCreation')
    });
    b.rel('hadMember', {
      'prov:collection': 'mlflow:experiment/1',
      'prov:entity': run
    });
    b.rel('wasGeneratedBy', {
      'prov:entity': run,
      'prov:activity': rc,
      'prov:role': 'AddedRun'
    });
    b.rel('wasAssociatedWith', {
      'prov:activity': rc,
      'prov:agent': 'user:mlflow/dev',
      'prov:role': 'RunAuthor'
    });
    const add = (id: string, type: string, rec: Rec) => {
      b.add('entity', id, { 'prov:type': q(type), ...rec });
      b.rel('hadMember', { 'prov:collection': run, 'prov:entity': id });
      b.rel('wasGeneratedBy', { 'prov:entity': id, 'prov:activity': rc });
    };
    for (let p = 0; p < params; p++) {
      add(`${run}/param/p${p}`, 'm2p:Param', {
        'prov:label': `p${p} = ${p}`,
        'm2p:key': `p${p}`,
        'm2p:value': String(p)
      });
    }
    for (let t = 0; t < tags; t++) {
      add(`${run}/tag/t${t}`, 'm2p:RunTag', {
        'prov:label': `t${t} = v`,
        'm2p:key': `t${t}`,
        'm2p:value': 'v'
      });
    }
    for (let k = 0; k < keys; k++) {
      for (let s = 0; s < steps; s++) {
        add(`${run}/metric/m${k}/${s}`, 'm2p:Metric', {
          'prov:label': `m${k}[${s}]`,
          'm2p:key': `m${k}`,
          'm2p:value': dbl(s / steps),
          'm2p:step': int(s),
          'm2p:timestamp': dt(iso(t0 + r * 7200e3 + s * 1000))
        });
      }
    }
  }
  return b.doc;
}
