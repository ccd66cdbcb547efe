/* free.c  cw_policy_free: a policy owns every string it points to. Every slot is
 * freed, not only the counted ones, so that a policy half filled by a failed
 * validation is freed as well (the slots start NULL). */
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"

void pol_lang_free(cw_policy_lang *l)
{
    free(l->disclosure);
    free(l->disclosure_audio);
    free(l->question);
    free(l->more);
    free(l->accepted);
    free(l->refused);
    free(l->withdrawn);
    free(l->timeout);
    free(l->simple);
    for (size_t i = 0; i < CW_POLICY_MAX_VARIANTS; i++)
        free(l->variants[i].question);
    free(l->handover_notice);
    free(l->age_question);
    free(l->goodbye);
    free(l->ai_wait);
    free(l->ai_unavailable);
    for (size_t i = 0; i < CW_POLICY_MAX_WORDS; i++) {
        free(l->yes[i]);
        free(l->no[i]);
    }
    memset(l, 0, sizeof *l);
}

void cw_policy_free(cw_policy *p)
{
    if (!p)
        return;
    free(p->controller_name);
    free(p->controller_address);
    free(p->controller_contact);
    free(p->dpo);
    free(p->notice_url);
    free(p->notice_email);
    for (size_t i = 0; i < CW_POLICY_MAX_LANGS; i++)
        pol_lang_free(&p->langs[i]);
    for (size_t i = 0; i < CW_POLICY_MAX_LEVELS; i++)
        free(p->levels[i].recipients);
    free(p->handover_target);
    free(p->menu_prompt);
    free(p->webhook_url);
    free(p->withdrawal_code_hook);
    cw_policy_endpoint *eps[] = { &p->ai_chat, &p->ai_transcribe, &p->ai_speech };
    for (size_t i = 0; i < 3; i++) {
        free(eps[i]->url);
        free(eps[i]->model);
        free(eps[i]->voice);
    }
    for (size_t i = 0; i < p->nown_purposes; i++)
        free(p->own_purposes[i].description);
    free(p);
}
