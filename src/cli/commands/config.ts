import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load.js';

export function registerConfigCommand(program: Command): void {
  const config = program.command('config').description('inspect and validate warden.yaml');
  config
    .command('validate')
    .description('validate a config file; problems are listed with file, line and field')
    .argument('[file]', 'config file', DEFAULT_CONFIG_FILE)
    .action((file: string) => {
      loadConfig(file);
      console.log(`${file}: ok`);
    });
  config
    .command('show')
    .description('print the effective config (file + environment overrides + defaults) as JSON')
    .argument('[file]', 'config file', DEFAULT_CONFIG_FILE)
    .action((file: string) => {
      const effective = loadConfig(file);
      console.log(JSON.stringify(effective, (key, value: unknown) => (key === 'password' ? '[redacted]' : value), 2));
    });
}
