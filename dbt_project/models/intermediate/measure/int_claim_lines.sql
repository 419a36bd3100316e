-- Claim lines known on the as-of date, with the raw payer text mapped to its canonical
-- payer (null when unmapped: counted in all-payer totals, published in no payer feed).
with

claims as (
    select * from {{ ref('stg_raw__medical_claim') }}
),

payer_alias as (
    select * from {{ ref('stg_seeds__payer_alias') }}
),

final as (
    select
        claims.*,
        payer_alias.payer
    from claims
    left join payer_alias
        on claims.payer_key = payer_alias.alias_key
    -- Records dated after the as-of date are ignored: a run as of a past date
    -- reproduces what could have been known then.
    where claims.claim_line_start_date <= {{ as_of_date() }}
)

select * from final
