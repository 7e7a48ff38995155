// A booking's terms in the person's language.
import { intlLocale, t } from "../../lib/i18n/index.svelte";
import type { PolicyTier } from "./logic";

/** A policy row in words: "30 days or more before departure: 25 % of the price". */
export function policyLine(tier: PolicyTier, money: (minor: number) => string): string {
  const fee =
    tier.percent === 0 || tier.fixedMinor === 0
      ? t("bookings.policy_free")
      : tier.percent !== null
        ? t("bookings.policy_percent", { percent: new Intl.NumberFormat(intlLocale()).format(tier.percent) })
        : t("bookings.policy_fixed", { amount: money(tier.fixedMinor ?? 0) });
  return tier.days === 0 ? t("bookings.policy_last", { fee }) : t("bookings.policy_tier", { days: tier.days, fee });
}
