#!/usr/bin/env node
// Entry point of the `warden` command; the code lives in dist/ (built by `npm run build`).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv);
