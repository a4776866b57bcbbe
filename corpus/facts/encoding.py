# -*- coding: utf-8 -*-
# Encoding facts: BOM, declaration, Trojan-Source characters.
access_level = "user‮ ⁦# admin⁩ ⁦"
name = "zero​width"
ㅤ = "hangul filler name"
