/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * port.h - smtpc: the transport port of the platform under one set of
 * names: ffi/ports/posix on POSIX systems, ffi/ports/winsock on Windows.
 * Both have the same functions and trace directions.
 */
#ifndef SMTPC_PORT_H
#define SMTPC_PORT_H

#ifdef _WIN32
#include "ip_smtpc_winsock.h"
#define PORT_Connect        IP_SMTPC_WINSOCK_Connect
#define PORT_Disconnect     IP_SMTPC_WINSOCK_Disconnect
#define PORT_Send           IP_SMTPC_WINSOCK_Send
#define PORT_Receive        IP_SMTPC_WINSOCK_Receive
#define PORT_SetTimeout     IP_SMTPC_WINSOCK_SetTimeout
#define PORT_SetTrace       IP_SMTPC_WINSOCK_SetTrace
#define PORT_TRACE_SENT     IP_SMTPC_WINSOCK_TRACE_SENT
#define PORT_TRACE_RECEIVED IP_SMTPC_WINSOCK_TRACE_RECEIVED
#else
#include "ip_smtpc_posix.h"
#define PORT_Connect        IP_SMTPC_POSIX_Connect
#define PORT_Disconnect     IP_SMTPC_POSIX_Disconnect
#define PORT_Send           IP_SMTPC_POSIX_Send
#define PORT_Receive        IP_SMTPC_POSIX_Receive
#define PORT_SetTimeout     IP_SMTPC_POSIX_SetTimeout
#define PORT_SetTrace       IP_SMTPC_POSIX_SetTrace
#define PORT_TRACE_SENT     IP_SMTPC_POSIX_TRACE_SENT
#define PORT_TRACE_RECEIVED IP_SMTPC_POSIX_TRACE_RECEIVED
#endif

#endif  /* SMTPC_PORT_H */

/*************************** End of file ****************************/
