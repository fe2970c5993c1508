/* A shared object that is no miniinet plugin: it exports a function but
 * no descriptor. */
int nosymbol_answer(void);

__attribute__((visibility("default"))) int
nosymbol_answer(void)
{
    return 42;
}
