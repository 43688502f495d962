/**
 * YAML parsing that keeps source positions, so that every validation problem can be reported as
 * `file:line:column field: message`. Shared by the config, inventory and policy loaders.
 */
import { LineCounter, parseDocument, isNode } from 'yaml';
import type { Document } from 'yaml';
import type { z } from 'zod';
import { WardenValidationError } from '../errors.js';
import type { ValidationIssue, WardenErrorCode } from '../errors.js';

export interface YamlSource {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

/** Parses YAML text; syntax errors become issues with their line and column. */
export function parseYamlSource(text: string, file: string, code: WardenErrorCode): YamlSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e): ValidationIssue => {
      const pos = lines.linePos(e.pos[0]);
      return { file, line: pos.line, column: pos.col, message: e.message.split('\n')[0] ?? e.message };
    });
    throw new WardenValidationError(code, issues);
  }
  return { file, doc, lines };
}

/** Renders a zod issue path as `a.b[2].c`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

/** Finds the line/column of the deepest node along `path` that exists in the document. */
export function locate(source: YamlSource, path: readonly PropertyKey[]): { line?: number; column?: number } {
  for (let depth = path.length; depth >= 0; depth--) {
    const node: unknown = source.doc.getIn(path.slice(0, depth) as unknown[], true);
    if (isNode(node) && node.range) {
      const pos = source.lines.linePos(node.range[0]);
      return { line: pos.line, column: pos.col };
    }
    // A key that exists with a null value: point at the parent map.
  }
  return {};
}

/** Turns zod issues into located validation issues. */
export function zodIssues(source: YamlSource, error: z.ZodError, prefix: readonly PropertyKey[] = []): ValidationIssue[] {
  return error.issues.flatMap((issue): ValidationIssue[] => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      // Point at each unknown key itself: it is usually a typo of a known one.
      return issue.keys.map((key) => {
        const keyPath = [...path, key];
        return { file: source.file, ...locate(source, keyPath), field: formatPath(keyPath), message: 'unknown field' };
      });
    }
    return [{ file: source.file, ...locate(source, path), field: formatPath(path) || undefined, message: issue.message }];
  });
}

/** Parses and validates YAML text against a zod schema; throws one error listing every issue. */
export function loadYaml<S extends z.ZodType>(schema: S, text: string, file: string, code: WardenErrorCode): z.output<S> {
  const source = parseYamlSource(text, file, code);
  const result = schema.safeParse(source.doc.toJS() ?? {});
  if (!result.success) throw new WardenValidationError(code, zodIssues(source, result.error));
  return result.data;
}

/** Deep-freezes a plain object graph so loaded configuration cannot be changed by accident. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/**
 * Parses every (file, text) pair with `parse`, collecting the validation problems of all files
 * into one error of `code`, so a user sees every broken file at once. Other errors pass through.
 */
export function parseEachFile<T>(files: readonly { file: string; text: string }[], parse: (text: string, file: string) => T, code: WardenErrorCode): T[] {
  const issues: ValidationIssue[] = [];
  const parsed: T[] = [];
  for (const { file, text } of files) {
    try {
      parsed.push(parse(text, file));
    } catch (err) {
      if (err instanceof WardenValidationError) issues.push(...err.issues);
      else throw err;
    }
  }
  if (issues.length > 0) throw new WardenValidationError(code, issues);
  return parsed;
}
