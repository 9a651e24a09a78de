#!/usr/bin/env node
import { runAdapter } from '@nimbus-ts/adapter-sdk';
import { exitOnFailure } from '@nimbus-ts/k8s';
import { kubearmorAdapter } from './adapter.js';

// The KubeArmor adapter's deployment entry point (`nimbus-kubearmor --help` lists its flags).
exitOnFailure('nimbus-kubearmor', () => runAdapter(kubearmorAdapter));
