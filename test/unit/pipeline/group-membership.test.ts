import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { groupMembershipError } from '../../../src/pipeline/runner.js';

const { KafkaJSProtocolError, KafkaJSError } = kafkajs;
// The typings omit the options argument that kafkajs's retrier passes.
const NonRetriable = kafkajs.KafkaJSNonRetriableError as unknown as new (e: Error, options: { cause: Error }) => Error;
const protocolError = (type: string): Error => new KafkaJSProtocolError(Object.assign(new Error(type), { type, code: 0, retriable: false }));

describe('groupMembershipError', () => {
  it('finds the protocol error that means "rejoin" inside the non-retriable wrapper of a refused commit', () => {
    const unknownMember = protocolError('UNKNOWN_MEMBER_ID');
    expect(groupMembershipError(new NonRetriable(unknownMember, { cause: unknownMember }))).toBe(unknownMember);
    const generation = protocolError('ILLEGAL_GENERATION');
    expect(groupMembershipError(generation)).toBe(generation);
  });

  it('leaves every other error alone', () => {
    expect(groupMembershipError(new KafkaJSError('connection closed'))).toBeNull();
    expect(groupMembershipError(protocolError('TOPIC_AUTHORIZATION_FAILED'))).toBeNull();
    expect(groupMembershipError(new Error('boom'))).toBeNull();
    expect(groupMembershipError('text')).toBeNull();
  });
});
