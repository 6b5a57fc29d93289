# SPDX-License-Identifier: MIT OR Apache-2.0
# C tests: smtpc, emnet_sample and csv_log against tests/scripted_server.py
# (label "c"), and smtpc against the Postfix test bed (label "postfix";
# skipped when scripts/testbed is not running).
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

# IP_SMTPC_TEST_WRAPPER: a command (CMake list) every C test program runs
# under, e.g. "valgrind;--leak-check=full;--error-exitcode=99" (what
# scripts/valgrind configures in build-valgrind). It wraps the C client, not
# the Python driver or server: scripted tests get it after their "--", the
# misuse tests before the program, the Postfix tests a generated
# build/smtpc-wrapped script as --smtpc. Empty (default): no wrapper.
set(IP_SMTPC_TEST_WRAPPER "" CACHE STRING "Command (CMake list) the C test programs run under, e.g. valgrind and its options")
set(_wrapper ${IP_SMTPC_TEST_WRAPPER})
set(_test_timeout 90)
set(_client_timeout)
if(_wrapper)
  set(_test_timeout 900)               # valgrind is 20-50 times slower
  set(_client_timeout --timeout 600)   # run_scripted.py's limit for the client
endif()

# ip_smtpc_scripted_test(NAME SCRIPT EXPECTED_EXIT [driver options] -- CLIENT ARGS...)
function(ip_smtpc_scripted_test name script expect)
  set(_args ${ARGN})
  if(_wrapper)
    list(FIND _args "--" _sep)
    if(_sep LESS 0)
      message(FATAL_ERROR "${name}: no -- before the client command")
    endif()
    math(EXPR _sep "${_sep} + 1")
    list(INSERT _args ${_sep} ${_wrapper})
  endif()
  add_test(NAME ${name}
           COMMAND ${_run} --script "${_scripts}/${script}" --expect-exit ${expect} ${_client_timeout} ${_args})
  set_tests_properties(${name} PROPERTIES TIMEOUT ${_test_timeout} LABELS "c")
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

ip_smtpc_scripted_test(c.smtpc.timeout smtpc_silent.smtp 75
  --stderr-must-contain "smtpc: greeting: no reply from 127.0.0.1:"
  --stderr-must-contain " within 1 s"
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
  --stderr-must-contain "unknown word 'SCRAM-SHA-1'"
  -- ${_smtpc} --auth PLAIN,SCRAM-SHA-1 --user u --pass p
     --from sender@example.com --to alice@example.com --body "${_data}/body_dots.txt")

# CRAM-MD5 alone where the library lacks the cram-md5 feature: NOT_BUILT,
# exit 2, nothing connected.
if(NOT IP_SMTPC_FEATURES MATCHES "cram-md5")
  ip_smtpc_no_connection_test(c.smtpc.input_auth_cram_md5_not_built 2
    --stderr-must-contain "not built"
    -- ${_smtpc} --auth CRAM-MD5 --user u --pass p
       --from sender@example.com --to alice@example.com --body "${_data}/body_dots.txt")
endif()

# --to "a@x,b@x" sent to a@x alone, named "b@x" (issue 17): refused, with the way to do it.
ip_smtpc_no_connection_test(c.smtpc.input_to_address_list 2
  --stderr-must-contain "smtpc: input: --to 'alice@example.com,bob@example.com': 'bob@example.com' is an address, not a display name"
  --stderr-must-contain "--to ADDR --to ADDR"
  -- ${_smtpc} --from sender@example.com --to "alice@example.com,bob@example.com"
     --body "${_data}/body_dots.txt")

ip_smtpc_no_connection_test(c.smtpc.input_cc_address_list 2
  --stderr-must-contain "'Bob <bob@example.com>' is an address"
  -- ${_smtpc} --from sender@example.com --to alice@example.com
     --cc "carol@example.com,Bob <bob@example.com>" --body "${_data}/body_dots.txt")

ip_smtpc_no_connection_test(c.smtpc.input_bcc_address_list 2
  --stderr-must-contain "--bcc ADDR --bcc ADDR"
  -- ${_smtpc} --from sender@example.com --to alice@example.com
     --bcc "carol@example.com,bob@example.com" --body "${_data}/body_dots.txt")

# Nothing listens on port 1: connect fails (exit 75, temporary) and the server sees nothing.
ip_smtpc_no_connection_test(c.smtpc.connect_refused 75
  --stderr-must-contain "smtpc: connect: connection refused by 127.0.0.1:1\n"
  -- $<TARGET_FILE:smtpc> --server 127.0.0.1 --port 1 --from sender@example.com
     --to alice@example.com --body "${_data}/body_dots.txt")

# --- smtpc: attachments, extra headers, Reply-To -----------------------------
ip_smtpc_scripted_test(c.smtpc.attachments smtpc_attachments.smtp 0
  --data-attachment att_note.txt text/plain "${_data}/att_note.txt"
  --data-attachment att_bytes.bin application/x-test-bytes "${_data}/att_bytes.bin"
  --data-header-must-contain "MIME-Version: 1.0"
  -- ${_smtpc} --from sender@example.com --to alice@example.com --subject "Two files"
     --body "${_data}/body_dots.txt" --attach "${_data}/att_note.txt"
     --attach "${_data}/att_bytes.bin,application/x-test-bytes"
     --header "X-Device: pump-7" --header "X-Site: Zürich Nord" --reply-to desk@example.com)

ip_smtpc_no_connection_test(c.smtpc.input_header_bcc 2
  --stderr-must-contain "smtpc: input: extra header or Reply-To invalid"
  -- ${_smtpc} --header "Bcc: x@y.example" --from sender@example.com --to alice@example.com
     --body "${_data}/body_dots.txt")

ip_smtpc_no_connection_test(c.smtpc.input_header_cr 2
  --stderr-must-contain "smtpc: input: extra header or Reply-To invalid"
  -- ${_smtpc} --header "X-Test: a{CR}Bcc: x@y.example" --from sender@example.com
     --to alice@example.com --body "${_data}/body_dots.txt")

ip_smtpc_no_connection_test(c.smtpc.input_header_no_colon 2
  --stderr-must-contain "smtpc: input: extra header or Reply-To invalid"
  -- ${_smtpc} --header "X-Test value" --from sender@example.com --to alice@example.com
     --body "${_data}/body_dots.txt")

ip_smtpc_no_connection_test(c.smtpc.input_reply_to_invalid 2
  --stderr-must-contain "smtpc: input: extra header or Reply-To invalid"
  -- ${_smtpc} --reply-to "desk at example.com" --from sender@example.com --to alice@example.com
     --body "${_data}/body_dots.txt")

ip_smtpc_no_connection_test(c.smtpc.input_attach_missing 2
  --stderr-must-contain "smtpc: input: --attach ${_data}/no-such-file.bin: "
  -- ${_smtpc} --attach "${_data}/att_note.txt" --attach "${_data}/no-such-file.bin"
     --from sender@example.com --to alice@example.com --body "${_data}/body_dots.txt")

ip_smtpc_no_connection_test(c.smtpc.input_attach_directory 2
  --stderr-must-contain "is a directory"
  -- ${_smtpc} --attach "${_data}" --from sender@example.com --to alice@example.com
     --body "${_data}/body_dots.txt")

# --- smtpc: --version, the man page (tests/c/cli_checks.py, no server) -------
if(IP_SMTPC_HAVE_MBEDTLS)
  set(_cli_tls ON)
else()
  set(_cli_tls OFF)
endif()
# getaddrinfo failing on demand (LD_PRELOAD): *.tempfail.test EAI_AGAIN, *.nxdomain.test EAI_NONAME.
add_library(smtpc_fake_resolver SHARED "${CMAKE_CURRENT_LIST_DIR}/fake_resolver.c")
target_compile_options(smtpc_fake_resolver PRIVATE ${_c_warnings})
target_link_libraries(smtpc_fake_resolver PRIVATE ${CMAKE_DL_LIBS})
set_target_properties(smtpc_fake_resolver PROPERTIES C_STANDARD 99 LIBRARY_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}")
foreach(_case version refused dns_tempfail dns_unknown man_options man_lint install)
  add_test(NAME c.smtpc.cli.${_case}
           COMMAND "${Python3_EXECUTABLE}" "${CMAKE_CURRENT_LIST_DIR}/cli_checks.py"
                   --smtpc $<TARGET_FILE:smtpc> --srcdir "${CMAKE_SOURCE_DIR}" --case ${_case} --tls ${_cli_tls}
                   --resolver-shim $<TARGET_FILE:smtpc_fake_resolver>
                   --builddir "${CMAKE_BINARY_DIR}" --cmake "${CMAKE_COMMAND}")
  set_tests_properties(c.smtpc.cli.${_case} PROPERTIES TIMEOUT 60 LABELS "c")
endforeach()

# --- csv_log: a generated CSV streamed as an attachment ----------------------
ip_smtpc_scripted_test(c.csv_log.happy csv_log.smtp 0
  --stdout-must-contain "Log sent: 100000 rows"
  -- $<TARGET_FILE:csv_log> 127.0.0.1 {port} device@example.com ops@example.com)

# --- smtpc: TLS with the mbedTLS port (scripted server) -----------------------
set(_tls "${CMAKE_CURRENT_LIST_DIR}/../tls")
if(IP_SMTPC_HAVE_MBEDTLS)
  # Throw-away CA and server certificate (CN localhost, SAN 127.0.0.1).
  set(_certs "${CMAKE_BINARY_DIR}/tls-certs")
  add_test(NAME c.tls.make_certs COMMAND "${Python3_EXECUTABLE}" "${_tls}/make_certs.py" "${_certs}")
  set_tests_properties(c.tls.make_certs PROPERTIES FIXTURES_SETUP ip_smtpc_certs LABELS "c" TIMEOUT 60)
  function(ip_smtpc_tls_scripted_test name script expect)
    ip_smtpc_scripted_test(${name} ${script} ${expect} --script-var "certdir=${_certs}" ${ARGN})
    set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED ip_smtpc_certs)
  endfunction()

  ip_smtpc_tls_scripted_test(c.smtpc.tls_starttls smtpc_starttls_ok.smtp 0
    "--stderr-must-contain=-- TLS: TLSv1.2"
    --stderr-must-contain "certificate verified for 127.0.0.1"
    -- ${_smtpc} -v --tls starttls-required --cafile "${_certs}/ca.pem" --user user --pass ${_pw}
       --from sender@example.com --to alice@example.com --body "${_data}/body_dots.txt")

  ip_smtpc_tls_scripted_test(c.smtpc.tls_wrong_name smtpc_starttls_bad_cert.smtp 3 --server-may-fail
    --stderr-must-contain "smtpc: starttls: TLS handshake failed: server certificate does not match the host name"
    --transcript-must-not-contain "AUTH" --transcript-must-not-contain "MAIL"
    --transcript-must-not-contain "QUIT"
    -- ${_smtpc} --tls starttls-required --cafile "${_certs}/ca.pem" --tls-name wrong.example
       --user user --pass ${_pw} --from sender@example.com --to alice@example.com
       --body "${_data}/body_dots.txt")

  ip_smtpc_tls_scripted_test(c.smtpc.tls_untrusted smtpc_starttls_bad_cert.smtp 3 --server-may-fail
    --stderr-must-contain "smtpc: starttls: TLS handshake failed: server certificate not trusted"
    --transcript-must-not-contain "AUTH" --transcript-must-not-contain "MAIL"
    --transcript-must-not-contain "QUIT"
    -- ${_smtpc} --tls starttls-required --cafile "${_certs}/other-ca.pem"
       --user user --pass ${_pw} --from sender@example.com --to alice@example.com
       --body "${_data}/body_dots.txt")

  ip_smtpc_tls_scripted_test(c.smtpc.tls_454 smtpc_starttls_454.smtp 75
    --stderr-must-contain "smtpc: starttls: STARTTLS refused: 454 4.7.0"
    --transcript-must-not-contain "AUTH" --transcript-must-not-contain "MAIL"
    -- ${_smtpc} --tls starttls-required --cafile "${_certs}/ca.pem" --user user --pass ${_pw}
       --from sender@example.com --to alice@example.com --body "${_data}/body_dots.txt")

  ip_smtpc_tls_scripted_test(c.smtpc.tls_injection smtpc_starttls_injection.smtp 3
    --stderr-must-contain "data injected before the TLS handshake"
    -- ${_smtpc} --tls starttls-required --cafile "${_certs}/ca.pem"
       --from sender@example.com --to alice@example.com --body "${_data}/body_dots.txt")

  # Opportunistic STARTTLS with credentials but none offered: AUTH stays unsent.
  ip_smtpc_tls_scripted_test(c.smtpc.tls_opportunistic_auth_insecure smtpc_auth_insecure.smtp 3
    --transcript-must-not-contain "AUTH" --transcript-must-not-contain "MAIL"
    --stderr-must-contain "AUTH refused on a connection without TLS"
    -- ${_smtpc} --tls starttls --cafile "${_certs}/ca.pem" --user user --pass ${_pw}
       --from sender@example.com --to alice@example.com --body "${_data}/body_dots.txt")

  ip_smtpc_no_connection_test(c.smtpc.input_cafile_missing 2
    --stderr-must-contain "smtpc: input: --cafile ${_data}/no-such-ca.pem: "
    -- ${_smtpc} --tls starttls --cafile "${_data}/no-such-ca.pem"
       --from sender@example.com --to alice@example.com --body "${_data}/body_dots.txt")
else()
  ip_smtpc_no_connection_test(c.smtpc.tls_starttls_not_built 2
    --stderr-must-contain "smtpc: --tls: not built into this version"
    -- ${_smtpc} --tls starttls --from sender@example.com --to alice@example.com
       --body "${_data}/body_dots.txt")
endif()

# --- Against the Postfix test bed (label "postfix"; exit 77 = skipped) --------
# The Python scripts take one executable as --smtpc: with a wrapper, a
# generated script that runs smtpc under it.
set(_smtpc_exe $<TARGET_FILE:smtpc>)
set(_postfix_timeout 300)
if(_wrapper)
  if(CMAKE_VERSION VERSION_LESS 3.20)
    message(FATAL_ERROR "IP_SMTPC_TEST_WRAPPER needs CMake 3.20 or later (file(GENERATE ... FILE_PERMISSIONS))")
  endif()
  set(_quoted)
  foreach(_word IN LISTS _wrapper)
    string(REPLACE "'" "'\\''" _word "${_word}")
    string(APPEND _quoted "'${_word}' ")
  endforeach()
  file(GENERATE OUTPUT "${CMAKE_BINARY_DIR}/smtpc-wrapped"
       CONTENT "#!/bin/sh\n# smtpc under IP_SMTPC_TEST_WRAPPER (generated by tests/c/tests.cmake)\nexec ${_quoted}'$<TARGET_FILE:smtpc>' \"$@\"\n"
       FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
  set(_smtpc_exe "${CMAKE_BINARY_DIR}/smtpc-wrapped")
  set(_postfix_timeout 1200)
endif()

function(ip_smtpc_postfix_test name)
  add_test(NAME ${name} COMMAND "${Python3_EXECUTABLE}" ${ARGN})
  set_tests_properties(${name} PROPERTIES TIMEOUT ${_postfix_timeout} LABELS "postfix" SKIP_RETURN_CODE 77)
endfunction()

ip_smtpc_postfix_test(postfix.smtpc.attachments "${CMAKE_CURRENT_LIST_DIR}/postfix_attachments.py"
  --smtpc ${_smtpc_exe} --maxrss $<TARGET_FILE:maxrss>)

# The non-blocking API (issue 13; tests/c/postfix_nb.py): c-examples/nb_poll
# sends 100 mails at once from one thread over non-blocking sockets + poll();
# all delivered byte for byte, per-recipient results; the same with every hook
# answering IP_SMTPC_WOULD_BLOCK every other call; and with one session's
# server stalled (its deadline fires, the others are not held up).
if(TARGET nb_poll)
  set(_nb_poll_exe $<TARGET_FILE:nb_poll>)
  if(_wrapper)
    file(GENERATE OUTPUT "${CMAKE_BINARY_DIR}/nb_poll-wrapped"
         CONTENT "#!/bin/sh\n# nb_poll under IP_SMTPC_TEST_WRAPPER (generated by tests/c/tests.cmake)\nexec ${_quoted}'$<TARGET_FILE:nb_poll>' \"$@\"\n"
         FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
    set(_nb_poll_exe "${CMAKE_BINARY_DIR}/nb_poll-wrapped")
  endif()
  set(_nb_stall_ms 3000)
  if(_wrapper)
    set(_nb_stall_ms 60000)            # the 99 others must end first, slowed down
  endif()
  foreach(_variant plain every-other stall)
    ip_smtpc_postfix_test(postfix.nb.${_variant} "${CMAKE_CURRENT_LIST_DIR}/postfix_nb.py"
      --nb-poll ${_nb_poll_exe} --variant ${_variant} --stall-timeout ${_nb_stall_ms})
  endforeach()
endif()

# The command line of issue 17 (tests/c/postfix_cli.py, one test per case).
set(IP_SMTPC_CLI_CASES several_recipients to_address_list
  exit_temporary exit_permanent exit_mixed exit_partial exit_sender config_errors dsn_success
  read_envelope read_envelope_kept read_envelope_8bit read_envelope_refused read_envelope_smtputf8
  batch batch_refused)
if(IP_SMTPC_HAVE_MBEDTLS)
  list(APPEND IP_SMTPC_CLI_CASES starttls_hint_auth starttls_hint_mail round_trips_starttls batch_starttls
    config_account config_default config_override config_password_command config_permissions)
endif()
foreach(_case IN LISTS IP_SMTPC_CLI_CASES)
  ip_smtpc_postfix_test(postfix.smtpc.cli.${_case} "${CMAKE_CURRENT_LIST_DIR}/postfix_cli.py"
    --smtpc ${_smtpc_exe} --case ${_case})
endforeach()
# smtpc --oauth-token through Postfix + Dovecot's oauth2 passdb (issue 15 item 1;
# tests/c/postfix_oauth.py): delivered, refused with the status on stderr, a
# 720-character token, invalid tokens; never the token in the -v transcript.
foreach(_case valid refused long invalid)
  ip_smtpc_postfix_test(postfix.smtpc.oauth.${_case} "${CMAKE_CURRENT_LIST_DIR}/postfix_oauth.py"
    --smtpc ${_smtpc_exe} --case ${_case})
endforeach()
include("${CMAKE_CURRENT_LIST_DIR}/bulk.cmake")     # issue 14: streamed bodies, small SO_SNDBUF
# MX routing (issue 15; tests/c/postfix_mx.py): smtpc --mx through the bed's dnsmasq.
foreach(_case fallback env permanent allbusy usage)
  ip_smtpc_postfix_test(postfix.smtpc.mx.${_case} "${CMAKE_CURRENT_LIST_DIR}/postfix_mx.py"
    --smtpc ${_smtpc_exe} --case ${_case})
endforeach()

if(IP_SMTPC_HAVE_MBEDTLS)
  foreach(_case submission implicit wrong_name untrusted_ca strip_required strip_opportunistic refuse_454)
    ip_smtpc_postfix_test(postfix.smtpc.tls_${_case} "${_tls}/postfix_tls.py"
      --smtpc ${_smtpc_exe} --case ${_case})
  endforeach()

  # Deadlines over TLS (issue 11): a proxy drips or holds back Postfix's TLS
  # bytes; smtpc --timeout 3 and the C API (tests/c/deadline.c, POSIX +
  # mbedTLS ports with pfSetTimeout) must end within 3 s + slack with a
  # timeout, STARTTLS and implicit TLS each. "pass" is the unslowed control.
  add_executable(ip_smtpc_deadline "${CMAKE_CURRENT_LIST_DIR}/deadline.c")
  target_link_libraries(ip_smtpc_deadline PRIVATE ip_smtpc_mbedtls ip_smtpc_posix ip_smtpc::ip_smtpc)
  ip_smtpc_c_target(ip_smtpc_deadline)
  set_target_properties(ip_smtpc_deadline PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}")
  set(_deadline_exe $<TARGET_FILE:ip_smtpc_deadline>)
  set(_deadline_slack 1)
  if(_wrapper)
    file(GENERATE OUTPUT "${CMAKE_BINARY_DIR}/ip_smtpc_deadline-wrapped"
         CONTENT "#!/bin/sh\n# ip_smtpc_deadline under IP_SMTPC_TEST_WRAPPER (generated by tests/c/tests.cmake)\nexec ${_quoted}'$<TARGET_FILE:ip_smtpc_deadline>' \"$@\"\n"
         FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
    set(_deadline_exe "${CMAKE_BINARY_DIR}/ip_smtpc_deadline-wrapped")
    set(_deadline_slack 10)              # the wrapper's start-up and slowness, not the library's
  endif()
  # The mbedTLS port as firmware uses it (issue 16; tests/c/mbedtls_static.c):
  # handle and contexts in a caller-provided session on the stack, the CA from
  # a buffer (PEM, DER), an entropy hook; STARTTLS and implicit TLS through
  # Postfix, checked in the Maildir; a wrong CA buffer fails as untrusted.
  # The link wraps malloc & co.: the port must allocate nothing on this path;
  # mbedTLS's own allocations are reported (ASan's hook). Built against the
  # host library (postfix.mbedtls.static.*) and with the port compiled in the
  # firmware configuration (postfix.mbedtls.firmware.*: no heap path, no file
  # system, the port's own IP literal parser).
  set(_wrap_alloc "LINKER:--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free")
  add_executable(ip_smtpc_mbedtls_static "${CMAKE_CURRENT_LIST_DIR}/mbedtls_static.c")
  target_link_libraries(ip_smtpc_mbedtls_static PRIVATE ip_smtpc_mbedtls ip_smtpc_posix ip_smtpc::ip_smtpc)
  add_executable(ip_smtpc_mbedtls_static_fw "${CMAKE_CURRENT_LIST_DIR}/mbedtls_static.c"
                 "${PROJECT_SOURCE_DIR}/ffi/ports/mbedtls/ip_smtpc_mbedtls.c")
  target_compile_definitions(ip_smtpc_mbedtls_static_fw PRIVATE IP_SMTPC_MBEDTLS_HEAP=0
    IP_SMTPC_MBEDTLS_FILE_SYSTEM=0 IP_SMTPC_MBEDTLS_INET_PTON=0 IP_SMTPC_TEST_HEAP=0)
  target_include_directories(ip_smtpc_mbedtls_static_fw PRIVATE "${PROJECT_SOURCE_DIR}/ffi/ports/mbedtls")
  target_include_directories(ip_smtpc_mbedtls_static_fw SYSTEM PRIVATE "${MBEDTLS_INCLUDE_DIR}")
  target_link_libraries(ip_smtpc_mbedtls_static_fw PRIVATE ip_smtpc_posix ip_smtpc::ip_smtpc
                        ${MBEDTLS_LIBRARY} ${MBEDX509_LIBRARY} ${MBEDCRYPTO_LIBRARY})
  foreach(_t ip_smtpc_mbedtls_static ip_smtpc_mbedtls_static_fw)
    target_link_options(${_t} PRIVATE ${_wrap_alloc})
    ip_smtpc_c_target(${_t})
    set_target_properties(${_t} PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}")
  endforeach()
  # The port's own IP literal parser (firmware: no inet_pton) against inet_pton.
  add_executable(ip_smtpc_mbedtls_ip_literals "${CMAKE_CURRENT_LIST_DIR}/mbedtls_ip_literals.c")
  target_include_directories(ip_smtpc_mbedtls_ip_literals PRIVATE "${PROJECT_SOURCE_DIR}/ffi/ports/mbedtls")
  target_include_directories(ip_smtpc_mbedtls_ip_literals SYSTEM PRIVATE "${MBEDTLS_INCLUDE_DIR}")
  target_link_libraries(ip_smtpc_mbedtls_ip_literals PRIVATE ip_smtpc::ip_smtpc
                        ${MBEDTLS_LIBRARY} ${MBEDX509_LIBRARY} ${MBEDCRYPTO_LIBRARY})
  ip_smtpc_c_target(ip_smtpc_mbedtls_ip_literals)
  set_target_properties(ip_smtpc_mbedtls_ip_literals PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}")
  add_test(NAME c.mbedtls.ip_literals COMMAND ${_wrapper} $<TARGET_FILE:ip_smtpc_mbedtls_ip_literals>)
  set_tests_properties(c.mbedtls.ip_literals PROPERTIES TIMEOUT ${_test_timeout} LABELS "c")
  foreach(_case starttls-pem implicit-der implicit-ip wrong-ca wrong-ip pem-no-nul heap-starttls)
    add_test(NAME postfix.mbedtls.static.${_case}
             COMMAND ${_wrapper} $<TARGET_FILE:ip_smtpc_mbedtls_static> ${_case} "${_certs}/other-ca.pem")
    set_tests_properties(postfix.mbedtls.static.${_case} PROPERTIES TIMEOUT ${_postfix_timeout}
      LABELS "postfix" SKIP_RETURN_CODE 77 FIXTURES_REQUIRED ip_smtpc_certs)
    if(NOT _case STREQUAL "heap-starttls")
      add_test(NAME postfix.mbedtls.firmware.${_case}
               COMMAND ${_wrapper} $<TARGET_FILE:ip_smtpc_mbedtls_static_fw> ${_case} "${_certs}/other-ca.pem")
      set_tests_properties(postfix.mbedtls.firmware.${_case} PROPERTIES TIMEOUT ${_postfix_timeout}
        LABELS "postfix" SKIP_RETURN_CODE 77 FIXTURES_REQUIRED ip_smtpc_certs)
    endif()
  endforeach()

  foreach(_mode handshake-drip record-drip delay pass)
    foreach(_client smtpc capi)
      ip_smtpc_postfix_test(postfix.deadline.${_mode}.${_client} "${_tls}/postfix_deadline.py"
        --client ${_client} --smtpc ${_smtpc_exe} --capi ${_deadline_exe} --mode ${_mode}
        --slack ${_deadline_slack})
    endforeach()
  endforeach()
endif()

# --- The C API misused (tests/c/misuse.c; label "c") ---------------------------
# One test per case, c.misuse.CASE; the names come from the CASE( and
# STRING_CASES( lines of misuse.c, and c.misuse.registered checks that they
# are exactly the program's list.
add_executable(ip_smtpc_misuse "${CMAKE_CURRENT_LIST_DIR}/misuse.c")
target_link_libraries(ip_smtpc_misuse PRIVATE ip_smtpc::ip_smtpc)
if(IP_SMTPC_FEATURES MATCHES "(^|,)(full|fold)(,|$)")
  # Display names and subjects of IP_SMTPC_MAX_FOLDED_LEN (cargo feature fold).
  target_compile_definitions(ip_smtpc_misuse PRIVATE IP_SMTPC_TEST_FOLD)
endif()
ip_smtpc_c_target(ip_smtpc_misuse)
set_target_properties(ip_smtpc_misuse PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/misuse.c")
file(STRINGS "${CMAKE_CURRENT_LIST_DIR}/misuse.c" _misuse_lines REGEX "^  (CASE|STRING_CASES)\\(")
set(_misuse_cases)
foreach(_line IN LISTS _misuse_lines)
  if(_line MATCHES "^  CASE\\(([A-Za-z0-9_]+)\\)")
    list(APPEND _misuse_cases ${CMAKE_MATCH_1})
  elseif(_line MATCHES "^  STRING_CASES\\(([A-Za-z0-9_]+),")
    list(APPEND _misuse_cases unterminated_${CMAKE_MATCH_1} at_limit_${CMAKE_MATCH_1})
  endif()
endforeach()
add_test(NAME c.misuse.registered COMMAND $<TARGET_FILE:ip_smtpc_misuse> --check-list ${_misuse_cases})
set_tests_properties(c.misuse.registered PROPERTIES TIMEOUT 60 LABELS "c")
foreach(_case IN LISTS _misuse_cases)
  add_test(NAME c.misuse.${_case} COMMAND ${_wrapper} $<TARGET_FILE:ip_smtpc_misuse> ${_case})
  set_tests_properties(c.misuse.${_case} PROPERTIES TIMEOUT ${_test_timeout} LABELS "c" SKIP_RETURN_CODE 77)
endforeach()
# --- The non-blocking API misused (tests/c/nb_misuse.c; label "c") -------------
# One test per case, c.nb_misuse.CASE (the CASE( lines of nb_misuse.c).
if(IP_SMTPC_FEATURES MATCHES "(^|,)(full|nb)(,|$)")
  add_executable(ip_smtpc_nb_misuse "${CMAKE_CURRENT_LIST_DIR}/nb_misuse.c")
  target_link_libraries(ip_smtpc_nb_misuse PRIVATE ip_smtpc::ip_smtpc)
  ip_smtpc_c_target(ip_smtpc_nb_misuse)
  set_target_properties(ip_smtpc_nb_misuse PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/nb_misuse.c")
  file(STRINGS "${CMAKE_CURRENT_LIST_DIR}/nb_misuse.c" _nb_misuse_lines REGEX "^  CASE\\(")
  foreach(_line IN LISTS _nb_misuse_lines)
    if(_line MATCHES "CASE\\(([a-z0-9_]+)\\)")
      add_test(NAME c.nb_misuse.${CMAKE_MATCH_1} COMMAND ${_wrapper} $<TARGET_FILE:ip_smtpc_nb_misuse> ${CMAKE_MATCH_1})
      set_tests_properties(c.nb_misuse.${CMAKE_MATCH_1} PROPERTIES TIMEOUT ${_test_timeout} LABELS "c" SKIP_RETURN_CODE 77)
    endif()
  endforeach()
endif()

# --- Sanitizer settings of every test ------------------------------------------
# In sanitized builds (Debug, IP_SMTPC_SANITIZE): LeakSanitizer on (the default
# on Linux x86_64, stated so that an inherited ASAN_OPTIONS cannot turn it
# off), and an exit status of its own (86) for any ASan, LSan or UBSan report,
# so that a report fails even a test that expects the client to exit with 1
# (the sanitizers' default status). Harmless in builds without sanitizers.
get_property(_all_tests DIRECTORY PROPERTY TESTS)
# smtpc reads ~/.smtpc.conf or $XDG_CONFIG_HOME/smtpc/config (issue 17): its
# tests run with an empty HOME of their own, so that a developer's account
# named "default" cannot change what they send.
set(_smtpc_test_home "${CMAKE_BINARY_DIR}/smtpc-test-home")
file(MAKE_DIRECTORY "${_smtpc_test_home}/.config")
foreach(_test IN LISTS _all_tests)
  if(_test MATCHES "smtpc|^postfix\\.")
    set_property(TEST ${_test} APPEND PROPERTY ENVIRONMENT
      "HOME=${_smtpc_test_home}" "XDG_CONFIG_HOME=${_smtpc_test_home}/.config")
  endif()
endforeach()
set_property(TEST ${_all_tests} APPEND PROPERTY ENVIRONMENT
  "ASAN_OPTIONS=detect_leaks=1:exitcode=86:detect_stack_use_after_return=1"
  "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=86")
