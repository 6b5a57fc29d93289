/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * SEGGER.h - test stand-in for SEGGER's global header, for the compile
 * check "emNet application code compiles unchanged against IP_SMTPC.h".
 * Defines what emNet application code takes from SEGGER.h; not SEGGER's file.
 */
#ifndef SEGGER_H
#define SEGGER_H

typedef signed char    I8;
typedef unsigned char  U8;
typedef signed short   I16;
typedef unsigned short U16;
typedef signed int     I32;
typedef unsigned int   U32;

#define SEGGER_COUNTOF(a)           (sizeof((a)) / sizeof((a)[0]))
#define SEGGER_MIN(a, b)            (((a) < (b)) ? (a) : (b))
#define SEGGER_MAX(a, b)            (((a) > (b)) ? (a) : (b))
#define SEGGER_USE_PARA(Para)       (void)(Para)

#endif /* SEGGER_H */
