/**
 * Retraining data from the labelled corpora (`../shared/data`): a model's base rows are its task's
 * training splits (scripts/text/tasks.ts), its fixed evaluation sets the task's labelled test splits.
 */
import path from 'node:path';
import type { TrainingExample } from '../../shared/mlops/datasets.js';
import type { EvalExample, EvalSet, TrainingData } from '../../shared/mlops/training-data.js';
import { loadCorpus } from '../text/corpora.js';
import { TEXT_TASKS } from '../text/tasks.js';

export function corpusTrainingData(dir: string): TrainingData {
  const root = path.resolve(dir);
  const taskOf = (name: string) => {
    const task = TEXT_TASKS[name];
    if (!task) throw new Error(`no training task for ${name}`);
    return task;
  };
  return {
    describe: (model) => `corpora:${taskOf(model).training.join('+')}`,
    async base(manifest) {
      const task = taskOf(manifest.name);
      const out: TrainingExample[] = [];
      for (const corpus of task.training) {
        for (const row of await loadCorpus(root, corpus, 'train')) {
          const targets: Record<string, number[] | null> = {};
          for (const head of task.heads) targets[head.name] = head.targets(row, corpus);
          out.push({ text: row.text, lang: row.lang, targets });
        }
      }
      return out;
    },
    async evaluation(manifest) {
      const task = taskOf(manifest.name);
      const sets: EvalSet[] = [];
      for (const spec of task.evaluation) {
        if (spec.binary.length === 0 || spec.functionalities) continue;
        const examples: EvalExample[] = [];
        for (const row of await loadCorpus(root, spec.corpus, spec.split)) {
          const truth: Record<string, number> = {};
          for (const b of spec.binary) {
            const value = row.targets[b.target];
            if (value !== undefined) truth[`${b.head}.${b.label}`] = value;
          }
          examples.push({ text: row.text, lang: row.lang, truth });
        }
        sets.push({ name: `${spec.corpus}/${spec.split}`, examples });
      }
      return sets;
    },
  };
}
