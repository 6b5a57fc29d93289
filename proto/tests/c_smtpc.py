#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""The product's scripted C tests of the smtpc command-line sender (tests/c/tests.cmake,
c.smtpc.*: delivery, authentication, invalid input, attachments, headers), run with
../tests/c/run_scripted.py against an smtpc linked with the prototype.
Also emnet_sample (emNet's sample, IP_SMTPC_Send) and csv_log (a 100,000-row CSV pushed
through pfSendItem). With SMTPC_TLS (smtpc built with the mbedTLS port) and CERTDIR (tests/tls/make_certs.py),
the 6 TLS cases too: STARTTLS verified, wrong name, untrusted CA, 454, injection,
opportunistic without STARTTLS and AUTH refused in clear.
Usage: c_smtpc.py REPO_ROOT SMTPC EMNET_SAMPLE CSV_LOG [SMTPC_TLS CERTDIR]. Exit 0 when every case passes."""
import subprocess, sys
R=sys.argv[1]; T=R+"/tests/c"; D=T+"/data"; S=T+"/scripts"
SM=[sys.argv[2],"--server","127.0.0.1","--port","{port}"]
PW="S3cret!pw"
cases=[
("happy","smtpc_happy.smtp",0,["--data-header-must-not-contain","hidden@example.com","--data-header-must-contain","Subject: Test subject","--data-header-must-contain"," +0200\\r\\n","--data-must-contain","\\r\\n..\\r\\n","--data-must-contain","\\r\\n...x\\r\\n","--data-must-not-contain","\\x00"],
 SM+["--helo","client.test","--from","sender@example.com","--from-name","Sender Name","--to","alice@example.com,Alice Example","--cc","carol@example.com,Carol","--bcc","hidden@example.com","--subject","Test subject","--body",D+"/body_dots.txt","--tz","+0200","--timeout","20"]),
("body_from_stdin","smtpc_null_sender.smtp",0,["--stdin-text","from standard input\\n.\\n","--data-must-contain","from standard input\\r\\n..\\r\\n.\\r\\n"],SM+["--from=","--to","postmaster@example.com","--subject","Bounce"]),
("partial","smtpc_partial.smtp",1,["--stderr-must-contain","bob@example.com: 550 5.1.1 no such user","--stderr-must-not-contain","alice@example.com:"],SM+["--from","sender@example.com","--to","alice@example.com","--to","bob@example.com","--body",D+"/body_dots.txt"]),
("all_rejected","smtpc_all_rejected.smtp",3,["--transcript-must-not-contain","DATA\\r\\n","--stderr-must-contain","smtpc: rcpt: "],SM+["--from","sender@example.com","--to","alice@example.com","--cc","bob@example.com","--body",D+"/body_dots.txt"]),
("outcome_unknown","smtpc_outcome_unknown.smtp",4,["--stderr-must-contain","smtpc: end-of-data: "],SM+["--from","sender@example.com","--to","alice@example.com","--body",D+"/body_dots.txt"]),
("timeout","smtpc_silent.smtp",3,["--stderr-must-contain","smtpc: greeting: "],SM+["--timeout","1","--from","sender@example.com","--to","alice@example.com","--body",D+"/body_dots.txt"]),
("auth_plain","smtpc_auth_plain.smtp",0,[],SM+["--allow-insecure-auth","--user","user","--pass",PW,"--from","sender@example.com","--to","alice@example.com","--body",D+"/body_dots.txt"]),
("auth_login","smtpc_auth_login.smtp",0,[],SM+["--allow-insecure-auth","--auth","LOGIN","--user","user","--pass",PW,"--from","sender@example.com","--to","alice@example.com","--body",D+"/body_dots.txt"]),
("auth_failed","smtpc_auth_failed.smtp",3,["--stderr-must-contain","smtpc: auth: "],SM+["--allow-insecure-auth","--user","user","--pass","wrong","--from","sender@example.com","--to","alice@example.com","--body",D+"/body_dots.txt"]),
("auth_insecure_refused","smtpc_auth_insecure.smtp",3,["--transcript-must-not-contain","AUTH","--stderr-must-contain","without TLS"],SM+["--user","user","--pass",PW,"--from","sender@example.com","--to","alice@example.com","--body",D+"/body_dots.txt"]),
("input_cr_in_subject","never_runs.smtp",2,["--no-connection","--stderr-must-contain","smtpc: input: "],SM+["--from","sender@example.com","--to","alice@example.com","--subject","a{CR}b","--body",D+"/body_dots.txt"]),
("input_address_without_at","never_runs.smtp",2,["--no-connection","--stderr-must-contain","smtpc: input: "],SM+["--from","sender@example.com","--to","alice.example.com","--body",D+"/body_dots.txt"]),
("input_nul_in_body","never_runs.smtp",2,["--no-connection","--stdin-text","text\\x00more\\n","--stderr-must-contain","NUL"],SM+["--from","sender@example.com","--to","alice@example.com"]),
("attachments","smtpc_attachments.smtp",0,["--data-attachment","att_note.txt","text/plain",D+"/att_note.txt","--data-attachment","att_bytes.bin","application/x-test-bytes",D+"/att_bytes.bin","--data-header-must-contain","MIME-Version: 1.0"],SM+["--from","sender@example.com","--to","alice@example.com","--subject","Two files","--body",D+"/body_dots.txt","--attach",D+"/att_note.txt","--attach",D+"/att_bytes.bin,application/x-test-bytes","--header","X-Device: pump-7","--header","X-Site: Zürich Nord","--reply-to","desk@example.com"]),
("input_header_bcc","never_runs.smtp",2,["--no-connection","--stderr-must-contain","smtpc: input: extra header or Reply-To invalid"],SM+["--header","Bcc: x@y.example","--from","sender@example.com","--to","alice@example.com","--body",D+"/body_dots.txt"]),
("input_header_cr","never_runs.smtp",2,["--no-connection","--stderr-must-contain","smtpc: input: extra header or Reply-To invalid"],SM+["--header","X-Test: a{CR}Bcc: x@y.example","--from","sender@example.com","--to","alice@example.com","--body",D+"/body_dots.txt"]),
("input_header_no_colon","never_runs.smtp",2,["--no-connection","--stderr-must-contain","smtpc: input: extra header or Reply-To invalid"],SM+["--header","X-Test value","--from","sender@example.com","--to","alice@example.com","--body",D+"/body_dots.txt"]),
("input_reply_to_invalid","never_runs.smtp",2,["--no-connection","--stderr-must-contain","smtpc: input: extra header or Reply-To invalid"],SM+["--reply-to","desk at example.com","--from","sender@example.com","--to","alice@example.com","--body",D+"/body_dots.txt"]),
]
cases += [
("emnet_sample.happy","emnet_happy.smtp",0,["--data-must-contain","\\r\\nTo: ","--data-must-contain","\\r\\nCc: ","--data-header-must-not-contain","bcc@test.example","--stdout-must-contain","Mail sent"],[sys.argv[3],"127.0.0.1","{port}","device@test.example","to@test.example","cc@test.example","bcc@test.example"]),
("emnet_sample.greeting_refused","emnet_refused.smtp",1,["--stdout-must-contain","Mail could not be sent"],[sys.argv[3],"127.0.0.1","{port}"]),
("csv_log.happy","csv_log.smtp",0,["--stdout-must-contain","Log sent: 100000 rows"],[sys.argv[4],"127.0.0.1","{port}","device@example.com","ops@example.com"]),
]
if len(sys.argv) > 6:
    C=sys.argv[6]
    TSM=[sys.argv[5],"--server","127.0.0.1","--port","{port}"]
    cases += [(n, sc, e, ["--script-var","certdir="+C]+ch, cmd) for (n, sc, e, ch, cmd) in [
("tls_starttls","smtpc_starttls_ok.smtp",0,["--stderr-must-contain=-- TLS: TLSv1.2","--stderr-must-contain","certificate verified for 127.0.0.1"],TSM+["-v","--tls","starttls-required","--cafile",C+"/ca.pem","--user","user","--pass",PW,"--from","sender@example.com","--to","alice@example.com","--body",D+"/body_dots.txt"]),
("tls_wrong_name","smtpc_starttls_bad_cert.smtp",3,["--server-may-fail","--stderr-must-contain","smtpc: starttls: TLS handshake failed: server certificate does not match the host name","--transcript-must-not-contain","AUTH","--transcript-must-not-contain","MAIL","--transcript-must-not-contain","QUIT"],TSM+["--tls","starttls-required","--cafile",C+"/ca.pem","--tls-name","wrong.example","--user","user","--pass",PW,"--from","sender@example.com","--to","alice@example.com","--body",D+"/body_dots.txt"]),
("tls_untrusted","smtpc_starttls_bad_cert.smtp",3,["--server-may-fail","--stderr-must-contain","smtpc: starttls: TLS handshake failed: server certificate not trusted","--transcript-must-not-contain","AUTH","--transcript-must-not-contain","MAIL","--transcript-must-not-contain","QUIT"],TSM+["--tls","starttls-required","--cafile",C+"/other-ca.pem","--user","user","--pass",PW,"--from","sender@example.com","--to","alice@example.com","--body",D+"/body_dots.txt"]),
("tls_454","smtpc_starttls_454.smtp",3,["--stderr-must-contain","smtpc: starttls: STARTTLS refused: 454 4.7.0","--transcript-must-not-contain","AUTH","--transcript-must-not-contain","MAIL"],TSM+["--tls","starttls-required","--cafile",C+"/ca.pem","--user","user","--pass",PW,"--from","sender@example.com","--to","alice@example.com","--body",D+"/body_dots.txt"]),
("tls_injection","smtpc_starttls_injection.smtp",3,["--stderr-must-contain","data injected before the TLS handshake"],TSM+["--tls","starttls-required","--cafile",C+"/ca.pem","--from","sender@example.com","--to","alice@example.com","--body",D+"/body_dots.txt"]),
("tls_opportunistic_auth_insecure","smtpc_auth_insecure.smtp",3,["--transcript-must-not-contain","AUTH","--transcript-must-not-contain","MAIL","--stderr-must-contain","AUTH refused on a connection without TLS"],TSM+["--tls","starttls","--cafile",C+"/ca.pem","--user","user","--pass",PW,"--from","sender@example.com","--to","alice@example.com","--body",D+"/body_dots.txt"]),
]]
fails=0
for name,script,exp,checks,cmd in cases:
    p=subprocess.run(["python3",T+"/run_scripted.py","--script",S+"/"+script,"--expect-exit",str(exp)]+checks+["--"]+cmd,capture_output=True,text=True,timeout=300)
    ok=p.returncode==0
    fails+= not ok
    print(("ok  " if ok else "FAIL"), name)
    if not ok: print(p.stderr[-1500:])
print("failures:", fails, "of", len(cases))
sys.exit(1 if fails else 0)
