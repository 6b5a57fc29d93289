/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Minimal arch/sys_arch.h for compiling ip_smtpc_lwip.c against lwIP's
 * headers with NO_SYS = 0 (ffi/ports/lwip/check): opaque RTOS handles.
 */
#ifndef IP_SMTPC_LWIP_TEST_ARCH_SYS_ARCH_H
#define IP_SMTPC_LWIP_TEST_ARCH_SYS_ARCH_H

typedef struct { void* p; } sys_sem_t;
typedef struct { void* p; } sys_mutex_t;
typedef struct { void* p; } sys_mbox_t;
typedef void* sys_thread_t;

#define sys_sem_valid(s)           ((s)->p != NULL)
#define sys_sem_set_invalid(s)     ((s)->p = NULL)
#define sys_mutex_valid(m)         ((m)->p != NULL)
#define sys_mutex_set_invalid(m)   ((m)->p = NULL)
#define sys_mbox_valid(m)          ((m)->p != NULL)
#define sys_mbox_set_invalid(m)    ((m)->p = NULL)

#endif
