# C tests: smtpc and emnet_sample against tests/scripted_server.py.
# Included by the top-level CMakeLists.txt (host builds, Python 3 found).
#
# Every test runs tests/c/run_scripted.py:
#   run_scripted.py --script S --expect-exit N [checks] -- CLIENT ARGS...
# {port} in ARGS is the scripted server's port, {CR} a carriage return.
# Check strings use \r \n \xHH escapes (written \\r here for CMake).

set(_run "${Python3_EXECUTABLE}" "${CMAKE_CURRENT_LIST_DIR}/run_scripted.py")
set(_scripts "${CMAKE_CURRENT_LIST_DIR}/scripts")
set(_data "${CMAKE_CURRENT_LIST_DIR}/data")
set(_smtpc $<TARGET_FILE:smtpc> --server 127.0.0.1 --port {port})
set(_pw "S3cret!pw")                 # password of the AUTH scripts
set(_pw_plain_b64 "AHVzZXIAUzNjcmV0IXB3")  # base64("\0user\0S3cret!pw")
set(_pw_b64 "UzNjcmV0IXB3")          # base64("S3cret!pw")

# ip_smtpc_scripted_test(NAME SCRIPT EXPECTED_EXIT [driver options] -- CLIENT ARGS...)
function(ip_smtpc_scripted_test name script expect)
  add_test(NAME ${name}
           COMMAND ${_run} --script "${_scripts}/${script}" --expect-exit ${expect} ${ARGN})
  set_tests_properties(${name} PROPERTIES TIMEOUT 90 LABELS "c")
endfunction()

# --- emnet_sample ------------------------------------------------------------
ip_smtpc_scripted_test(c.emnet_sample.happy emnet_happy.smtp 0
  --data-must-contain "\\r\\nTo: " --data-must-contain "\\r\\nCc: "
  --data-header-must-not-contain "bcc@test.example"
  --stdout-must-contain "Mail sent"
  -- $<TARGET_FILE:emnet_sample> 127.0.0.1 {port}
     device@test.example to@test.example cc@test.example bcc@test.example)

ip_smtpc_scripted_test(c.emnet_sample.greeting_refused emnet_refused.smtp 1
  --stdout-must-contain "Mail could not be sent"
  -- $<TARGET_FILE:emnet_sample> 127.0.0.1 {port})

# --- smtpc: delivery ---------------------------------------------------------
ip_smtpc_scripted_test(c.smtpc.happy smtpc_happy.smtp 0
  --data-header-must-not-contain "hidden@example.com"
  --data-header-must-contain "Subject: Test subject"
  --data-header-must-contain " +0200\\r\\n"
  --data-must-contain "\\r\\n..\\r\\n" --data-must-contain "\\r\\n...x\\r\\n"
  --data-must-not-contain "\\x00"
  -- ${_smtpc} --helo client.test --from sender@example.com --from-name "Sender Name"
     --to "alice@example.com,Alice Example" --cc "carol@example.com,Carol"
     --bcc hidden@example.com --subject "Test subject" --body "${_data}/body_dots.txt"
     --tz +0200 --timeout 20)

ip_smtpc_scripted_test(c.smtpc.body_from_stdin smtpc_null_sender.smtp 0
  --stdin-text "from standard input\\n.\\n"
  --data-must-contain "from standard input\\r\\n..\\r\\n.\\r\\n"
  -- ${_smtpc} --from= --to postmaster@example.com --subject "Bounce")

ip_smtpc_scripted_test(c.smtpc.partial smtpc_partial.smtp 1
  --stderr-must-contain "bob@example.com: 550 5.1.1 no such user"
  --stderr-must-not-contain "alice@example.com:"
  -- ${_smtpc} --from sender@example.com --to alice@example.com --to bob@example.com
     --body "${_data}/body_dots.txt")

ip_smtpc_scripted_test(c.smtpc.all_rejected smtpc_all_rejected.smtp 3
  --transcript-must-not-contain "DATA\\r\\n"
  --stderr-must-contain "smtpc: rcpt: "
  -- ${_smtpc} --from sender@example.com --to alice@example.com --cc bob@example.com
     --body "${_data}/body_dots.txt")

ip_smtpc_scripted_test(c.smtpc.outcome_unknown smtpc_outcome_unknown.smtp 4
  --stderr-must-contain "smtpc: end-of-data: "
  -- ${_smtpc} --from sender@example.com --to alice@example.com --body "${_data}/body_dots.txt")

ip_smtpc_scripted_test(c.smtpc.timeout smtpc_silent.smtp 3
  --stderr-must-contain "smtpc: greeting: "
  -- ${_smtpc} --timeout 1 --from sender@example.com --to alice@example.com
     --body "${_data}/body_dots.txt")

# --- smtpc: authentication ---------------------------------------------------
ip_smtpc_scripted_test(c.smtpc.auth_plain smtpc_auth_plain.smtp 0
  -- ${_smtpc} --allow-insecure-auth --user user --pass ${_pw}
     --from sender@example.com --to alice@example.com --body "${_data}/body_dots.txt")

ip_smtpc_scripted_test(c.smtpc.auth_login smtpc_auth_login.smtp 0
  -- ${_smtpc} --allow-insecure-auth --auth LOGIN --user user --pass ${_pw}
     --from sender@example.com --to alice@example.com --body "${_data}/body_dots.txt")

ip_smtpc_scripted_test(c.smtpc.auth_failed smtpc_auth_failed.smtp 3
  --stderr-must-contain "smtpc: auth: "
  -- ${_smtpc} --allow-insecure-auth --user user --pass wrong
     --from sender@example.com --to alice@example.com --body "${_data}/body_dots.txt")

ip_smtpc_scripted_test(c.smtpc.auth_insecure_refused smtpc_auth_insecure.smtp 3
  --transcript-must-not-contain "AUTH"
  --stderr-must-contain "without TLS"
  -- ${_smtpc} --user user --pass ${_pw}
     --from sender@example.com --to alice@example.com --body "${_data}/body_dots.txt")

# -v: transcript on stderr, credentials redacted (password from SMTPC_PASS).
ip_smtpc_scripted_test(c.smtpc.verbose_plain_redacted smtpc_auth_plain.smtp 0
  --env SMTPC_PASS=${_pw}
  --stderr-must-contain "S: 220 mx.example.test ESMTP"
  --stderr-must-contain "C: AUTH PLAIN <redacted>"
  --stderr-must-contain "S: 235 2.7.0"
  --stderr-must-contain "C: MAIL FROM:<sender@example.com>"
  --stderr-must-contain "C: QUIT"
  --stderr-must-not-contain ${_pw} --stderr-must-not-contain ${_pw_plain_b64}
  -- ${_smtpc} -v --allow-insecure-auth --user user
     --from sender@example.com --to alice@example.com --body "${_data}/body_dots.txt")

ip_smtpc_scripted_test(c.smtpc.verbose_login_redacted smtpc_auth_login.smtp 0
  --stderr-must-contain "C: AUTH LOGIN <redacted>"
  --stderr-must-contain "S: 334 UGFzc3dvcmQ6"
  --stderr-must-contain "C: <redacted>"
  --stderr-must-not-contain ${_pw} --stderr-must-not-contain ${_pw_b64}
  --stderr-must-not-contain "dXNlcg=="
  -- ${_smtpc} -v --allow-insecure-auth --auth LOGIN --user user --pass ${_pw}
     --from sender@example.com --to alice@example.com --body "${_data}/body_dots.txt")

# --- smtpc: invalid input and unbuilt features: exit 2, no connection --------
function(ip_smtpc_no_connection_test name expect)
  ip_smtpc_scripted_test(${name} never_runs.smtp ${expect} --no-connection ${ARGN})
endfunction()

ip_smtpc_no_connection_test(c.smtpc.input_cr_in_subject 2
  --stderr-must-contain "smtpc: input: "
  -- ${_smtpc} --from sender@example.com --to alice@example.com --subject "a{CR}b"
     --body "${_data}/body_dots.txt")

ip_smtpc_no_connection_test(c.smtpc.input_address_without_at 2
  --stderr-must-contain "smtpc: input: "
  -- ${_smtpc} --from sender@example.com --to alice.example.com --body "${_data}/body_dots.txt")

ip_smtpc_no_connection_test(c.smtpc.input_from_missing 2
  --stderr-must-contain=--from
  -- ${_smtpc} --to alice@example.com --body "${_data}/body_dots.txt")

ip_smtpc_no_connection_test(c.smtpc.input_nul_in_body 2
  --stdin-text "text\\x00more\\n"
  --stderr-must-contain "NUL"
  -- ${_smtpc} --from sender@example.com --to alice@example.com)

ip_smtpc_no_connection_test(c.smtpc.input_body_missing 2
  --stderr-must-contain "smtpc: input: "
  -- ${_smtpc} --from sender@example.com --to alice@example.com --body "${_data}/no-such-file.txt")

ip_smtpc_no_connection_test(c.smtpc.input_unknown_auth_mechanism 2
  --stderr-must-contain "CRAM-MD5"
  -- ${_smtpc} --auth PLAIN,CRAM-MD5 --user u --pass p
     --from sender@example.com --to alice@example.com --body "${_data}/body_dots.txt")

ip_smtpc_no_connection_test(c.smtpc.tls_starttls_not_built 2
  --stderr-must-contain "smtpc: --tls: not built into this version"
  -- ${_smtpc} --tls starttls --from sender@example.com --to alice@example.com
     --body "${_data}/body_dots.txt")

ip_smtpc_no_connection_test(c.smtpc.attach_not_built 2
  --stderr-must-contain "smtpc: --attach: not built into this version"
  -- ${_smtpc} --attach "${_data}/body_dots.txt,text/plain" --from sender@example.com
     --to alice@example.com --body "${_data}/body_dots.txt")

# Nothing listens on port 1: connect fails (exit 3) and the server sees nothing.
ip_smtpc_no_connection_test(c.smtpc.connect_refused 3
  --stderr-must-contain "smtpc: connect: "
  -- $<TARGET_FILE:smtpc> --server 127.0.0.1 --port 1 --from sender@example.com
     --to alice@example.com --body "${_data}/body_dots.txt")
