-- One row per normalised payer spelling (the seed may list spellings that normalise alike).
with

aliases as (
    select
        {{ normalize_payer('alias') }} as alias_key,
        payer,
        payer_name
    from {{ ref('payer_alias') }}
    union
    -- The canonical key itself is always an alias of its payer.
    select
        {{ normalize_payer('payer') }} as alias_key,
        payer,
        payer_name
    from {{ ref('payer_alias') }}
),

final as (
    select distinct alias_key, payer, payer_name from aliases
)

select * from final
