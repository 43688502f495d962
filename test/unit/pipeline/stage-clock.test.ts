import { describe, expect, it } from 'vitest';
import { CpuLedger } from '../../../src/pipeline/stage-clock.js';

describe('CpuLedger', () => {
  it('charges CPU to the stages running, shares it between overlapping ones, and none to idle time', () => {
    let cpu = 0;
    const charged = new Map<string, number>();
    const ledger = new CpuLedger((stage, micros) => charged.set(stage, (charged.get(stage) ?? 0) + micros), { cpuNow: () => cpu, busyNow: () => cpu, readEveryMicros: 0 });
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
    const ledger = new CpuLedger((stage, micros) => charged.set(stage, (charged.get(stage) ?? 0) + micros), { cpuNow: () => cpu, busyNow: () => cpu, exclusive: new Set(['sign']), readEveryMicros: 0 });
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
    const ledger = new CpuLedger((stage, micros) => charged.set(stage, (charged.get(stage) ?? 0) + micros), {
      cpuNow: () => cpu,
      busyNow: () => cpu,
      exclusive: new Set(['normalize']),
      background: new Set(['commit']),
      readEveryMicros: 0,
    });
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

describe('CpuLedger reading the CPU clock now and then', () => {
  it('reads it once enough busy time has passed, and shares what was used by the busy time each stage had', () => {
    let busy = 0;
    let cpu = 0;
    let readings = 0;
    const charged = new Map<string, number>();
    const ledger = new CpuLedger((stage, micros) => charged.set(stage, (charged.get(stage) ?? 0) + micros), {
      cpuNow: () => {
        readings++;
        return cpu;
      },
      busyNow: () => busy,
      readEveryMicros: 1000,
    });
    expect(readings).toBe(1); // the starting point
    ledger.enter('decide');
    busy += 300;
    cpu += 450; // the GC's helper threads work too: 1.5 µs of CPU per µs busy over this stretch
    ledger.switch('decide', 'produce');
    busy += 10; // waiting for the broker: hardly busy
    cpu += 15;
    ledger.leave('produce');
    busy += 90; // between batches: no stage
    cpu += 135;
    ledger.enter('sign');
    expect(readings).toBe(1); // 400 µs busy so far: not read yet
    expect(charged.size).toBe(0);
    busy += 600;
    cpu += 900;
    ledger.leave('sign'); // 1000 µs busy: read, 1500 µs used, shared 300 : 10 : 600 (90 to no stage)
    expect(readings).toBe(2);
    expect(Object.fromEntries(charged)).toEqual({ decide: 450, produce: 15, sign: 900 });
  });

  it('charges what is pending when flushed, and nothing for CPU used while the thread was idle', () => {
    let busy = 0;
    let cpu = 0;
    const charged = new Map<string, number>();
    const ledger = new CpuLedger((stage, micros) => charged.set(stage, (charged.get(stage) ?? 0) + micros), { cpuNow: () => cpu, busyNow: () => busy });
    ledger.enter('learn');
    busy += 100;
    cpu += 100;
    ledger.leave('learn');
    expect(charged.size).toBe(0); // far below the default 2 ms between readings
    ledger.flush();
    expect(Object.fromEntries(charged)).toEqual({ learn: 100 });
    cpu += 500; // helper threads while this one waits: no busy time, nobody charged
    ledger.flush();
    expect(Object.fromEntries(charged)).toEqual({ learn: 100 });
  });
});
