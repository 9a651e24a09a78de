#!/usr/bin/env node
import { exitOnFailure, runAdapter } from '@nimbus-ts/k8s';
import { kubearmorAdapter } from './adapter.js';

// The KubeArmor adapter's deployment entry point (`nimbus-kubearmor --help` lists its flags).
exitOnFailure('nimbus-kubearmor', () => runAdapter(kubearmorAdapter));
