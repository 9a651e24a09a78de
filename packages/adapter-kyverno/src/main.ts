#!/usr/bin/env node
import { runAdapter } from '@nimbus-ts/adapter-sdk';
import { exitOnFailure } from '@nimbus-ts/k8s';
import { kyvernoAdapter } from './adapter.js';

// The Kyverno adapter's deployment entry point (`nimbus-kyverno --help` lists its flags).
exitOnFailure('nimbus-kyverno', () => runAdapter(kyvernoAdapter));
