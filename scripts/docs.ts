import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { withSettingsReference } from '../src/manifest/settings-reference.js';
import { loadShippedManifest } from '../src/manifest/validate.js';

/** Regenerates the README's settings reference from the manifest. */
const readme = readFileSync('README.md', 'utf8');
writeFileSync('README.md', withSettingsReference(readme, loadShippedManifest()));
console.log('README.md settings reference regenerated from manifest/destination.json');
