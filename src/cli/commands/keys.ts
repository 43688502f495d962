import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { WardenError } from '../../errors.js';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load.js';
import { generateKeyPair } from '../../decisions/signing.js';

export function registerKeysCommand(program: Command): void {
  const keys = program.command('keys').description('manage the Ed25519 key pair that signs decisions and blocks');
  keys
    .command('generate')
    .description('write a new key pair (private key 0600) to the paths in the config or given here')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG_FILE)
    .option('--private <file>', 'private key path (default: signing.privateKeyFile)')
    .option('--public <file>', 'public key path (default: signing.publicKeyFile)')
    .option('--force', 'overwrite existing keys', false)
    .action((opts: { config: string; private?: string; public?: string; force: boolean }) => {
      const config = loadConfig(opts.config);
      const privateFile = opts.private ?? config.signing.privateKeyFile;
      const publicFile = opts.public ?? config.signing.publicKeyFile;
      if (!opts.force && (existsSync(privateFile) || existsSync(publicFile))) {
        throw new WardenError('WARDEN_USAGE', `${privateFile} or ${publicFile} already exists; pass --force to replace the key pair`);
      }
      const pair = generateKeyPair();
      mkdirSync(dirname(privateFile), { recursive: true });
      mkdirSync(dirname(publicFile), { recursive: true });
      writeFileSync(privateFile, pair.privateKeyPem, { mode: 0o600 });
      writeFileSync(publicFile, pair.publicKeyPem, { mode: 0o644 });
      console.log(`key id ${pair.keyId}\nprivate key: ${privateFile}\npublic key:  ${publicFile} (give this one to enforcers)`);
    });
}
