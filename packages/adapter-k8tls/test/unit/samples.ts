// k8tls reports in the exact shape k8tls writes them (github.com/kubearmor/k8tls, src/tlsscan, src/findings_tls,
// src/k8s_tlsscan): heredoc JSON with tabs; for a TLS endpoint the FIPS finding (appendSpec, called from the scan)
// precedes tls-security; a CONNFAIL endpoint has only tls-security; k8s_tlsscan names Services
// "<ns>/<svc>[<port name>]" and combines chunks with jq into compact JSON.

/** tlsscan --infile addresses --json: one TLS endpoint with a self-signed certificate, one unreachable. */
export const TLSSCAN_REPORT = `{
	"app": {
		"version": "v0.1"
	},
	"endpoints": [
		{
			
			"svc": "shop.example.com:443",
			"host": "shop.example.com",
			"port": "443",
			"finding": [
				{
					"plugin": "fips-140-3-compliance-check",
					"title": "FIPS 140-3 compliance check",
					"compliance": "FIPS.140.3",
					"control-id": "3.3",
					"description": "Using TLSv1.3 secure protocol and TLS_AES_256_GCM_SHA384 FIPS-approved cipher.",
					"link": "https://www.gsa.gov/system/files?file=SSL-TLS-Implementation-%5BCIO-IT-Security-14-69-Rev-7%5D-06-12-2023.pdf",
					"severity": "medium",
					"remediationEstEffort": "medium",
					"solution": "NA",
					"status": "OK"
				},
				{
					"plugin": "tls-security",
					"title": "use of TLS security",
					"compliance": "NIST.SP.800-52",
					"control-id": "2.1",
					"description": "It is mandatory for TLS to be enabled for all network communications including east-west traffic.",
					"link": "https://csrc.nist.gov/news/2019/nist-publishes-sp-800-52-revision-2",
					"severity": "critical",
					"remediationEstEffort": "medium",
					"solution": "enable TLS or transport security on the port.",
					"status": "OK"
				},
				{
					"plugin": "tls-certificate-check",
					"title": "check for TLS certificate best practices",
					"compliance": "NIST.SP.800-52",
					"control-id": "3.3",
					"description": "Self-signed certificates have the risk of MITM attacks.",
					"link": "https://csrc.nist.gov/news/2019/nist-publishes-sp-800-52-revision-2",
					"severity": "medium",
					"remediationEstEffort": "low",
					"solution": "Use certificates signed by approved Certificates Authority (CA).",
					"status": "FAIL"
				}
			]
		}
,
		{
			
			"svc": "api.shop.example.com:443",
			"host": "api.shop.example.com",
			"port": "443",
			"finding": [
				{
					"plugin": "tls-security",
					"title": "use of TLS security",
					"compliance": "NIST.SP.800-52",
					"control-id": "2.1",
					"description": "It is mandatory for TLS to be enabled for all network communications including east-west traffic.",
					"link": "https://csrc.nist.gov/news/2019/nist-publishes-sp-800-52-revision-2",
					"severity": "critical",
					"remediationEstEffort": "medium",
					"solution": "enable TLS or transport security on the port.",
					"status": "FAIL"
				}
			]
		}
	]
}
`;

/** k8s_tlsscan: the chunks' reports combined by jq (compact), Services named <ns>/<svc>[<port name>]. */
export const K8S_TLSSCAN_REPORT =
  '{"app":{"version":"v0.1"},"endpoints":[{"svc":"default/kubernetes[https]","host":"10.96.0.1","port":"443","finding":[' +
  '{"plugin":"fips-140-3-compliance-check","title":"FIPS 140-3 compliance check","compliance":"FIPS.140.3","control-id":"3.3","description":"Using TLSv1.3 secure protocol and TLS_AES_128_GCM_SHA256 FIPS-approved cipher.","link":"https://www.gsa.gov/","severity":"medium","remediationEstEffort":"medium","solution":"NA","status":"OK"},' +
  '{"plugin":"tls-security","title":"use of TLS security","compliance":"NIST.SP.800-52","control-id":"2.1","description":"It is mandatory for TLS to be enabled for all network communications including east-west traffic.","link":"https://csrc.nist.gov/","severity":"critical","remediationEstEffort":"medium","solution":"enable TLS or transport security on the port.","status":"OK"}]},' +
  '{"svc":"shop/web[http]","host":"10.96.12.7","port":"80","finding":[' +
  '{"plugin":"fips-140-3-compliance-check","title":"FIPS 140-3 compliance check","compliance":"FIPS.140.3","control-id":"3.2","description":"Secure protocol and FIPS-approved ciphers are required to meet the requirements of FIPS-140-3 compliant encryption.","link":"https://www.gsa.gov/","severity":"critical","remediationEstEffort":"medium","solution":"Implement secure protocol (TLS >= v1.2) and FIPS-approved ciphers.","status":"FAIL"},' +
  '{"plugin":"tls-security","title":"use of TLS security","compliance":"NIST.SP.800-52","control-id":"2.1","description":"It is mandatory for TLS to be enabled for all network communications including east-west traffic.","link":"https://csrc.nist.gov/","severity":"critical","remediationEstEffort":"medium","solution":"enable TLS or transport security on the port.","status":"FAIL"}]}]}';

/** The exposed-ports finding as findings_tls writes it: its "description" line lacks the trailing comma. */
export const EXPOSED_PORTS_REPORT = `{
	"app": {
		"version": "v0.1"
	},
	"endpoints": [
		{
			
			"svc": "shop/web-nodeport",
			"host": "10.96.3.3",
			"port": "30080",
			"finding": [
				{
					"plugin": "exposed-ports",
					"title": "Publicly exposed ports",
					"description": "Publicly exposed ports increase security risks. Disable unnecessary ports to protect systems from unauthorized access."
					"severity": "critical",
					"remediationEstEffort": "medium",
					"solution": "Disable publicly exposed ports",
					"status": "PASS",
					"exposedPort": "30080"
				}
			]
		}
	]
}
`;
