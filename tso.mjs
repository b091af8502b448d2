process.env.__T0 = String(performance.timeOrigin);
const { ThreadedDocumentStore } = await import('./dist/shared/adapters/documents/threaded.js');
const t0 = performance.now();
const s = ThreadedDocumentStore.start({ dataDir: '/tmp/tx/colddata/documents' });
await s.ping();
const t1 = performance.now();
await s.collection('x').get('a');
const t2 = performance.now();
await s.collection('x').set('b', { a: 1 });
const t3 = performance.now();
console.log(
  `ping ${(t1 - t0).toFixed(0)} get ${(t2 - t1).toFixed(0)} set ${(t3 - t2).toFixed(0)} cpu ${(process.cpuUsage().user / 1000).toFixed(0)}`,
);
await s.close();
