import { describe, expect, it } from 'vitest';
import { CpuLedger } from '../../../src/pipeline/stage-clock.js';

describe('CpuLedger', () => {
  it('charges CPU to the stages running, shares it between overlapping ones, and none to idle time', () => {
    let cpu = 0;
    const charged = new Map<string, number>();
    const ledger = new CpuLedger(
      (stage, micros) => charged.set(stage, (charged.get(stage) ?? 0) + micros),
      () => cpu,
    );
    cpu += 20; // no stage running: charged to none
    ledger.enter('decide');
    cpu += 40;
    ledger.enter('produce'); // two batches in flight: the stages share what is used meanwhile
    cpu += 40;
    ledger.switch('decide', 'produce'); // the same stage twice (two partitions producing)
    cpu += 20;
    ledger.leave('produce');
    cpu += 30;
    ledger.leave('produce');
    ledger.leave('produce'); // leaving a stage that is not running changes nothing
    cpu += 20;
    ledger.enter('learn');
    ledger.leave('learn');
    expect(Object.fromEntries(charged)).toEqual({ decide: 60, produce: 70 });
  });

  it('gives a synchronous stage all the CPU used while it runs, even with other stages waiting', () => {
    let cpu = 0;
    const charged = new Map<string, number>();
    const ledger = new CpuLedger(
      (stage, micros) => charged.set(stage, (charged.get(stage) ?? 0) + micros),
      () => cpu,
      new Set(['sign']),
    );
    ledger.enter('produce'); // one batch waits for the broker…
    cpu += 10;
    ledger.enter('sign'); // …while another signs: no JavaScript of the waiting one runs meanwhile
    cpu += 30;
    ledger.switch('sign', 'produce');
    cpu += 20;
    ledger.leave('produce');
    ledger.leave('produce');
    expect(Object.fromEntries(charged)).toEqual({ produce: 30, sign: 30 });
  });
});

describe('CpuLedger background stages', () => {
  it('charges a background stage only while no other stage runs', () => {
    let cpu = 0;
    const charged = new Map<string, number>();
    const ledger = new CpuLedger(
      (stage, micros) => charged.set(stage, (charged.get(stage) ?? 0) + micros),
      () => cpu,
      new Set(['normalize']),
      new Set(['commit']),
    );
    ledger.enter('commit'); // a commit request in flight, alone
    cpu += 10;
    ledger.enter('decide'); // the next batch decides meanwhile: all of it is the batch's
    cpu += 40;
    ledger.enter('produce');
    cpu += 20; // shared by the two foreground stages only
    ledger.leave('decide');
    ledger.leave('produce');
    cpu += 5; // the commit alone again
    ledger.enter('normalize');
    cpu += 30;
    ledger.leave('normalize');
    ledger.leave('commit');
    cpu += 50; // nothing running
    expect(Object.fromEntries(charged)).toEqual({ commit: 15, decide: 50, produce: 10, normalize: 30 });
  });
});
