#!/usr/bin/env node
import { exitOnFailure, runAdapter } from '@nimbus-ts/k8s';
import { netpolAdapter } from './adapter.js';

// The deployable: flags (--help), probes, metrics, leader election and the announcement Lease come with it.
exitOnFailure('nimbus-netpol', () => runAdapter(netpolAdapter));
