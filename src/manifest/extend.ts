import { ManifestError, type ValidationIssue } from '../errors.js';
import type { DestinationManifest, FieldSpec, ManifestExtension } from './types.js';
import { checkExtensionShape, scalarProblem, validateManifest } from './validate.js';

/** What an extension may change on a shipped setting; everything else would alter its contract. */
const OVERRIDABLE = new Set(['label', 'description', 'placeholder', 'default', 'enumLabels']);

/**
 * Merges a destination author's extension into a manifest: added optional settings, new
 * defaults, labels and descriptions. Refused, with every reason at once: removing a setting,
 * adding a required one, making a required setting optional or conditional, exposing a secret,
 * or changing a setting's type, values or format. The merged manifest is validated again.
 */
export function extendManifest(base: DestinationManifest, extension: unknown): DestinationManifest {
  checkExtensionShape(extension);
  const issues: ValidationIssue[] = [];
  const refuse = (path: string, message: string) => issues.push({ code: 'EXTENSION_REFUSED', path, message });
  const settings: FieldSpec[] = base.settings.map((field) => structuredClone(field));
  const byName = new Map(settings.map((field) => [field.name, field]));
  const credentialNames = new Set(base.authentication.fields.map((f) => f.name));

  extension.removeSettings?.forEach((name, i) => {
    refuse(`/removeSettings/${i}`, `removes the setting "${name}": an extension may add settings but never remove one.`);
  });

  for (const [name, changes] of Object.entries(extension.overrideSettings ?? {})) {
    const path = `/overrideSettings/${name}`;
    const field = byName.get(name);
    if (!field) {
      refuse(path, credentialNames.has(name)
        ? `changes the credential "${name}": credentials cannot be changed by an extension.`
        : `changes "${name}", which is not a setting of the base manifest.`);
      continue;
    }
    for (const [key, value] of Object.entries(changes)) {
      if (key === 'required' && field.required && value !== true) {
        refuse(`${path}/required`, `makes the required setting "${name}" optional: a required setting stays required.`);
      } else if (key === 'secret' && field.secret && value !== true) {
        refuse(`${path}/secret`, `makes the secret setting "${name}" visible: a secret stays secret.`);
      } else if ((key === 'requiredWhen' || key === 'visibleWhen') && (field.required || field.requiredWhen)) {
        refuse(`${path}/${key}`, `changes when "${name}" is required or shown: that would weaken a required setting.`);
      } else if (!OVERRIDABLE.has(key)) {
        refuse(`${path}/${key}`, `changes "${key}" of "${name}": an extension may only change ${[...OVERRIDABLE].join(', ')}.`);
      } else if (key === 'default' && field.secret) {
        refuse(`${path}/default`, `gives the secret setting "${name}" a default: secrets never have defaults.`);
      } else if (key === 'default' && scalarProblem(field, value)) {
        refuse(`${path}/default`, `gives "${name}" the default ${JSON.stringify(value)}, which ${scalarProblem(field, value)}.`);
      } else {
        (field as unknown as Record<string, unknown>)[key] = value;
      }
    }
  }

  extension.addSettings?.forEach((added, i) => {
    const path = `/addSettings/${i}`;
    if (byName.has(added.name) || credentialNames.has(added.name)) {
      refuse(`${path}/name`, `adds "${added.name}", which already exists: use overrideSettings to change it.`);
    } else if (added.required || added.requiredWhen) {
      refuse(`${path}/required`, `adds the required setting "${added.name}": added settings must be optional, or existing tenants would break.`);
    } else {
      settings.push(structuredClone(added));
      byName.set(added.name, added);
    }
  });

  if (issues.length > 0) throw new ManifestError('The manifest extension', issues);
  const merged = {
    ...structuredClone(base),
    ...(extension.name !== undefined && { name: extension.name }),
    ...(extension.description !== undefined && { description: extension.description }),
    ...(extension.docsUrl !== undefined && { docsUrl: extension.docsUrl }),
    settings,
  };
  return validateManifest(merged, 'The extended manifest');
}
