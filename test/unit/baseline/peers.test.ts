import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { MemoryBaselineStore } from '../../../src/baseline/store-memory.js';
import { createDecider } from '../../../src/scoring/decider.js';
import { CREATED_PREFIX, createdIdentityOf, peerGroupOf, PEER_PREFIX } from '../../../src/baseline/peers.js';
import type { WardenEvent } from '../../../src/events/event.js';
import { createEmptyPolicy, createInventoryResolver } from '../../helpers/decision-context.js';
import { DAY, HOUR, START, codes, event, routine } from './helpers.js';

const config = parseConfig('{}', 't');
const members = ['etl-a', 'etl-b', 'etl-c', 'etl-d'];
const inventory = [...members, 'etl-new', 'etl-made'].map((id) => ({ id, owner: 'team-data', class: 'etl' }));

function decider(store = new MemoryBaselineStore()) {
  return createDecider({ config, resolver: createInventoryResolver(inventory, config), policy: createEmptyPolicy(), store });
}

/** Ten days of the same routine by four members of class etl. */
function fleet(): WardenEvent[] {
  const out: WardenEvent[] = [];
  for (const id of members) for (const e of routine()) out.push({ ...e, id: `${id}-${e.id}`, identity: { id } });
  return out.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}

const AFTER = START + 10 * DAY + 10 * HOUR;

describe('peer baselines', () => {
  it('groups by class, then owner and identity type, then type and account', () => {
    const e = event(0, { identity: { id: 'x', type: 'role' }, attributes: { account: '1234' } });
    expect(peerGroupOf({ class: 'etl', owner: 'team' }, e)).toBe(`${PEER_PREFIX}class/etl`);
    expect(peerGroupOf({ class: null, owner: 'team' }, e)).toBe(`${PEER_PREFIX}owner/team/role`);
    expect(peerGroupOf({ class: null, owner: null }, e)).toBe(`${PEER_PREFIX}role/1234`);
    expect(peerGroupOf({ class: null, owner: null }, event(0))).toBeNull();
  });

  it("judges a new identity's first days against its mature peers, and stays quiet when it does what they do", async () => {
    const d = decider();
    await d.decideBatch(fleet());
    const [usual, odd] = await d.decideBatch([
      event(AFTER, { identity: { id: 'etl-new' }, action: 'ecs:UpdateService', resource: 'arn:aws:ecs:::service/prod/app' }),
      event(AFTER + 60_000, { identity: { id: 'etl-new' }, action: 'iam:CreateAccessKey', resource: 'arn:aws:iam:::user/admin', source: { ip: '167.99.1.2', asn: 'AS14061', country: 'NL' } }),
    ]);
    expect(usual?.verdict).toBe('allow');
    expect(odd?.verdict).not.toBe('allow');
    expect(codes(odd)).toEqual(expect.arrayContaining(['NEW_ACTION', 'NEW_SOURCE_ASN']));
    expect(odd?.reasons.find((r) => r.code === 'NEW_ACTION')?.detail).toMatch(/^peers \(class\/etl\)/);
    expect(odd?.reasons.find((r) => r.code === 'LEARNING')?.detail).toMatch(/peers ×1\.00/);
  });

  it('gives an identity created by another one shortly before it acts the strict peer view', async () => {
    const d = decider();
    await d.decideBatch(fleet());
    const create = event(AFTER, { identity: { id: 'etl-a' }, action: 'iam:CreateRole', resource: 'etl-made', attributes: { response: { role: { arn: 'etl-made' } } } });
    expect(createdIdentityOf(create)).toBe('etl-made');
    const [, first] = await d.decideBatch([create, event(AFTER + 120_000, { identity: { id: 'etl-made' }, action: 's3:GetObject', resource: 'arn:aws:s3:::artifacts/app.tgz', readOnly: true })]);
    expect(first?.reasons.find((r) => r.code === 'LEARNING')?.detail).toMatch(/^created by etl-a shortly before its first action/);
    expect(codes(first)).toContain('NEW_ACTION');
  });

  it("never writes the created identity's own profile: a creation record is adopted when the identity first acts, in a later batch", async () => {
    const store = new MemoryBaselineStore();
    const d = decider(store);
    await d.decideBatch(fleet());
    await d.decideBatch([event(AFTER, { identity: { id: 'etl-a' }, action: 'iam:CreateRole', resource: 'etl-made', attributes: { response: { role: { arn: 'etl-made' } } } })]);
    // The creator's instance may not own the new identity's partition: its profile stays untouched.
    expect(await store.get('etl-made')).toBeNull();
    expect((await store.get(`${CREATED_PREFIX}etl-made`))?.createdBy).toBe('etl-a');
    const [first] = await d.decideBatch([event(AFTER + 300_000, { identity: { id: 'etl-made' }, action: 's3:GetObject', resource: 'arn:aws:s3:::artifacts/app.tgz', readOnly: true })]);
    expect(first?.reasons.find((r) => r.code === 'LEARNING')?.detail).toMatch(/^created by etl-a shortly before its first action/);
    expect((await store.get('etl-made'))?.createdBy).toBe('etl-a');
  });

  it('reads the created identity from the request when the response is absent', () => {
    const e = event(0, { action: 'iam:CreateUser', attributes: { account: '1234', request: { userName: 'backdoor' } } });
    expect(createdIdentityOf(e)).toBe('arn:aws:iam::1234:user/backdoor');
    expect(createdIdentityOf({ ...e, outcome: 'denied' })).toBeNull();
    expect(createdIdentityOf(event(0, { action: 'k8s:create:serviceaccounts', attributes: { objectRef: { name: 'sa', namespace: 'ns' } } }))).toBe('system:serviceaccount:ns:sa');
  });
});
