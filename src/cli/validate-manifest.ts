import { readFileSync } from 'node:fs';
import { ManifestError } from '../errors.js';
import { extendManifest } from '../manifest/extend.js';
import { deriveSettingsSchema } from '../manifest/settings-schema.js';
import { loadShippedManifest, validateManifest } from '../manifest/validate.js';

export const VALIDATE_HELP = `Usage: marketo-destination validate-manifest [file]

Validates the shipped manifest, or FILE: a whole manifest (it has "manifestVersion") or an
extension of the shipped one. Prints every problem with its JSON pointer; exit code 1 if any.`;

/**
 * `validate-manifest [file]`: validates the shipped manifest, or a file that is either a whole
 * manifest or an extension of the shipped one, and prints every problem or a summary.
 * Returns the process exit code.
 */
export function validateManifestCommand(file: string | undefined, out: (line: string) => void): number {
  try {
    const shipped = loadShippedManifest();
    let manifest = shipped;
    if (file) {
      const doc = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      manifest = 'manifestVersion' in doc ? validateManifest(doc, `The manifest ${file}`) : extendManifest(shipped, doc);
    }
    const { schema } = deriveSettingsSchema(manifest);
    out(`✔ ${file ?? 'The shipped manifest'} is valid: ${manifest.name} (${manifest.id})`);
    out(`  settings: ${manifest.settings.map((f) => `${f.name}${f.required ? '*' : ''}`).join(', ')}  (* required)`);
    out(`  credentials (secret): ${manifest.authentication.fields.map((f) => f.name).join(', ')}`);
    out(`  conditional rules in the derived settings schema: ${(schema.allOf as unknown[] | undefined)?.length ?? 0}`);
    out(`  audiences: ${manifest.audiences.supportedTypes.join(', ')}; export: ${manifest.export.type}, ${manifest.export.frequency}`);
    return 0;
  } catch (error) {
    if (error instanceof ManifestError) {
      out(`✘ ${error.message}`);
      return 1;
    }
    const reason = error instanceof Error ? error.message : String(error);
    out(`✘ ${file ? `Cannot read ${file}: ` : ''}${reason}`);
    return 1;
  }
}
