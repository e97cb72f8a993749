// Reads settings from flags > environment > config file > defaults; the only reader of process.env.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigSchema, type Config, type ConfigKey } from './schema.js';

const ENV_PREFIX = 'ONNX_SERVE_';
const KEYS = Object.keys(ConfigSchema.shape) as ConfigKey[];

/** Thrown when settings are invalid; the message lists every problem at once. */
export class ConfigError extends Error {}

export const flagName = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
export const envName = (key: string): string => ENV_PREFIX + key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

/** Boolean settings take a bare flag (`--strict-readiness`); telling them apart by what the field accepts. */
const isSwitch = (key: ConfigKey): boolean => {
  const field = ConfigSchema.shape[key];
  return field.safeParse('yes').success && field.safeParse('no').success && !field.safeParse('maybe').success;
};

function parseFlags(argv: readonly string[], problems: string[]): Record<string, string> {
  const byFlag = new Map(KEYS.map((k) => [flagName(k), k]));
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const key = byFlag.get(flag);
    if (key === undefined) {
      problems.push(`unknown option '${flag}'`);
      if (eq === -1 && argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) i++; // NOTE: skip its value too
      continue;
    }
    const next = argv[i + 1];
    if (eq !== -1) out[key] = arg.slice(eq + 1);
    else if (isSwitch(key) && (next === undefined || next.startsWith('--'))) out[key] = 'true';
    else if (next !== undefined && !next.startsWith('--')) out[key] = argv[++i];
    else problems.push(`${flag} needs a value`);
    if (out[key] === '') problems.push(`${flag} needs a value`);
  }
  return out;
}

function parseEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of KEYS) {
    const value = env[envName(key)]?.trim();
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}

function readConfigFile(path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(path, 'utf8')); // NOTE: YAML is a superset of JSON, one parser reads both
  } catch (err) {
    throw new ConfigError(`Cannot read config file '${path}': ${(err as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`Config file '${path}' must hold a mapping`);
  return parsed as Record<string, unknown>;
}

function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const key = String(issue.path[0] ?? '');
      return key ? `${flagName(key)} / ${envName(key)}: ${issue.message}` : issue.message;
    })
    .join('\n  ');
}

/** Parses every source once and fails fast, listing every problem. */
export function loadConfig(argv: readonly string[] = [], env: NodeJS.ProcessEnv = {}): Config {
  const problems: string[] = [];
  const flags = parseFlags(argv, problems);
  const fromEnv = parseEnv(env);
  const file = flags.config ?? fromEnv.config;
  const fromFile = file === undefined ? {} : readConfigFile(file);
  const result = ConfigSchema.strict().safeParse({ ...fromFile, ...fromEnv, ...flags });
  if (!result.success) problems.push(formatIssues(result.error));
  if (problems.length > 0) throw new ConfigError(`Invalid settings:\n  ${problems.join('\n  ')}`);
  return result.data!;
}

/** Defaults with overrides, for tests and embedding: the same validation as the CLI path. */
export function createConfig(overrides: Partial<Config> = {}): Config {
  const result = ConfigSchema.strict().safeParse(overrides);
  if (!result.success) throw new ConfigError(`Invalid settings:\n  ${formatIssues(result.error)}`);
  return result.data;
}

/** `--help` text: every setting with its flag, environment variable, default and doc line. */
export function describeConfig(): string {
  return KEYS.map((key) => {
    const field = ConfigSchema.shape[key];
    const def = field.safeParse(undefined);
    const shown = def.success && def.data !== undefined ? ` (default: ${JSON.stringify(def.data)})` : '';
    return `  ${flagName(key)}  ${envName(key)}\n      ${field.description ?? ''}${shown}`;
  }).join('\n');
}
