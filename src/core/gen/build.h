/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The steps of vb_plan_build, private to gen/. */
#pragma once

#include "gen.h"
#include "state/state.h"

int vb_plan_entry_args(const VbContext *ctx, const VbState *st, VbPlan *p);
int vb_plan_files(const VbContext *ctx, const VbState *st, VbPlan *p);
int vb_plan_commands(const VbState *st, VbPlan *p);
