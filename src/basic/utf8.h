/* utf8.h - strict UTF-8 validation (no overlong forms, no surrogates,
 * nothing above U+10FFFF). Pure code. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

bool utf8_valid(const char *s, size_t len);
