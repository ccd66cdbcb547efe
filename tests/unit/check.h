/* check.h  The smallest test harness that says where it failed: CHECK and a summary. */
#ifndef CW_TEST_CHECK_H
#define CW_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                          \
    do {                                                                     \
        check_count++;                                                       \
        if (!(cond)) {                                                       \
            check_failures++;                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                  \
        }                                                                    \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                   \
    do {                                                                     \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);      \
        check_count++;                                                       \
        if (check_a_ != check_b_) {                                          \
            check_failures++;                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n",\
                    __FILE__, __LINE__, #a, #b, check_a_, check_b_);         \
        }                                                                    \
    } while (0)

#define CHECK_STR(a, b)                                                      \
    do {                                                                     \
        const char *check_a_ = (a), *check_b_ = (b);                         \
        check_count++;                                                       \
        if (strcmp(check_a_, check_b_) != 0) {                               \
            check_failures++;                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s (\"%s\" != \"%s\")\n", \
                    __FILE__, __LINE__, #a, #b, check_a_, check_b_);         \
        }                                                                    \
    } while (0)

/* Call at the end of main: prints the tally, returns the exit status. */
static inline int check_summary(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, check_count, check_failures);
    return check_failures ? 1 : 0;
}

#endif
