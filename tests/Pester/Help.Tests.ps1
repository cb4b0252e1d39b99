Set-StrictMode -Version Latest

BeforeDiscovery {
    # The test cases are the cmdlets the module really exports, so a new cmdlet without help fails here.
    Import-Module (Join-Path $PSScriptRoot '../../MnistNet.psd1') -Force
    $common = [System.Management.Automation.PSCmdlet]::CommonParameters
    $cmdlets = @(Get-Command -Module MnistNet -CommandType Cmdlet | ForEach-Object {
            @{ Name = $_.Name; ParameterNames = @($_.Parameters.Keys | Where-Object { $_ -notin $common }) }
        })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../MnistNet.psd1') -Force

    # Get-Help gives text as a list of paragraph objects; joins them into one trimmed string.
    function Get-HelpText($Paragraphs) {
        (@($Paragraphs) | Where-Object { $_ } | ForEach-Object { $_.Text }) -join "`n" | ForEach-Object Trim
    }
}

Describe 'the help of <Name>' -ForEach $cmdlets {
    BeforeAll {
        $help = Get-Help -Name $Name -Full
    }

    It 'comes from the help file, not from the syntax alone' {
        $help.PSObject.Properties.Name | Should -Contain 'description'
        $help.description | Should -Not -BeNullOrEmpty
    }

    It 'has a synopsis of its own' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        # Without a help file, Get-Help makes the synopsis from the syntax: the name followed by parameters.
        $help.Synopsis.Trim() | Should -Not -BeLike "$Name *"
        $help.Synopsis | Should -Not -BeLike '*<CommonParameters>*'
    }

    It 'has a description' {
        Get-HelpText $help.description | Should -Not -BeNullOrEmpty
    }

    It 'has at least one example with code' {
        $examples = @($help.examples.example)
        $examples.Count | Should -BeGreaterThan 0
        $examples | ForEach-Object { $_.code.Trim() | Should -Not -BeNullOrEmpty }
    }

    It 'describes parameter <_>' -ForEach $ParameterNames {
        $parameter = @($help.parameters.parameter | Where-Object Name -EQ $_)
        $parameter.Count | Should -Be 1 -Because "the help should list -$_ once"
        Get-HelpText $parameter[0].description | Should -Not -BeNullOrEmpty -Because "-$_ needs a description"
    }

    It 'documents no parameter the cmdlet does not have' {
        $documented = @($help.parameters.parameter | ForEach-Object Name)
        $documented | Where-Object { $_ -notin $ParameterNames } | Should -BeNullOrEmpty
    }
}

Describe 'the about_MnistNet topic' {
    BeforeAll {
        $topic = Get-Help -Name about_MnistNet -ErrorAction SilentlyContinue | Out-String
    }

    It 'is found by Get-Help after the module is imported' {
        $topic | Should -Match '(?m)^TOPIC\s+about_MnistNet\b'
        $topic | Should -Match '(?m)^SHORT DESCRIPTION'
        $topic | Should -Match '(?m)^LONG DESCRIPTION'
    }

    It 'explains <Subject>' -ForEach @(
        @{ Subject = 'the network'; Pattern = '784-128-64-10' }
        @{ Subject = 'reproducible training'; Pattern = '(?m)^\s*REPRODUCIBILITY' }
        @{ Subject = 'the kernel override'; Pattern = 'MNISTNET_KERNELS' }
    ) {
        $topic | Should -Match '(?m)^TOPIC\s+about_MnistNet\b'
        $topic | Should -Match $Pattern
    }
}
