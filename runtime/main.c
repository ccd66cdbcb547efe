/* main.c  The callwarden command line: `callwarden run`, --help, --version. */
#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out, "usage: callwarden run [options]\n");
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("callwarden %s\n", CW_VERSION);
        return 0;
    }
    usage(argc > 1 && strcmp(argv[1], "--help") == 0 ? stdout : stderr);
    return argc > 1 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
}
