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

Describe 'the help of Start-NetworkTraining states the limits the code enforces' {
    BeforeAll {
        $help = Get-Help -Name Start-NetworkTraining -Full
        $command = Get-Command -Name Start-NetworkTraining
        $invariant = [cultureinfo]::InvariantCulture

        function Get-ParameterHelp([string] $Name) {
            $parameter = $help.parameters.parameter | Where-Object Name -EQ $Name
            [pscustomobject]@{
                Description = Get-HelpText $parameter.description
                Default = "$($parameter.defaultValue)"
            }
        }
    }

    It 'gives the largest -<Name>, <Largest>, as the parameter validation has it' -ForEach @(
        @{ Name = 'Dropout'; Largest = '0.95' }
        @{ Name = 'GradientClip'; Largest = '1e6 (1,000,000)' }
        @{ Name = 'LearningRate'; Largest = '100' }
    ) {
        $range = $command.Parameters[$Name].Attributes | Where-Object { $_ -is [ValidateRange] }
        $written = ($Largest -replace ' \(.*\)$') -replace ',', ''

        [double]::Parse($written, $invariant) | Should -Be ([double] $range.MaxRange)
        (Get-ParameterHelp $Name).Description | Should -BeLike "*to $Largest*"
    }

    It 'gives the default -LearningRate of <_>' -ForEach @('Sgd', 'Momentum', 'Nesterov', 'Adam', 'AdamW') {
        $rate = [MnistNet.Training.Optimizer]::DefaultLearningRate($_).ToString($invariant)
        $text = Get-ParameterHelp 'LearningRate'

        $text.Description | Should -Match "\b$([regex]::Escape($rate)) for (\w+ and )?$_\b"
        $text.Default | Should -Match "\b$([regex]::Escape($rate)) \(([\w ]+, )?$_(, [\w ]+)?\)"
    }

    It 'gives the range of the -Augmentation setting <Setting> as the library enforces it' -ForEach @(
        @{ Setting = 'MaxShift'; Stated = 'MaxShift (pixels, 0 to 14)'; Largest = 14; TooLarge = 14.01 }
        @{ Setting = 'MaxRotation'; Stated = 'MaxRotation (degrees, 0 to 180)'; Largest = 180; TooLarge = 180.01 }
        @{ Setting = 'MaxScale'; Stated = 'MaxScale (a fraction, from 0 up to but not including 1)'; Largest = 0.999
            TooLarge = 1 }
        @{ Setting = 'ElasticAlpha'; Stated = 'ElasticAlpha (pixels of displacement, 0 to 100)'; Largest = 100
            TooLarge = 100.01 }
        @{ Setting = 'ElasticSigma'; Stated = 'ElasticSigma (pixels of smoothing, 0 to 14, and at least 1 whenever ' +
            'ElasticAlpha is above 0)'; Largest = 14; TooLarge = 14.01 }
    ) {
        # Elastic strength needs smoothing, so every case has enough of it unless it tests the smoothing itself.
        $smoothing = if ($Setting -eq 'ElasticAlpha') { @{ ElasticSigma = 5 } } else { @{} }
        $largest = [MnistNet.Augmentation.AugmentationOptions](@{ $Setting = $Largest } + $smoothing)
        $tooLarge = [MnistNet.Augmentation.AugmentationOptions](@{ $Setting = $TooLarge } + $smoothing)

        { $largest.Validate() } | Should -Not -Throw
        { $tooLarge.Validate() } | Should -Throw
        (Get-ParameterHelp 'Augmentation').Description | Should -BeLike "*$([WildcardPattern]::Escape($Stated))*"
    }

    It 'says that ElasticSigma must be at least 1 with ElasticAlpha, as the library requires' {
        { ([MnistNet.Augmentation.AugmentationOptions]@{ ElasticAlpha = 30; ElasticSigma = 1 }).Validate() } |
            Should -Not -Throw
        { ([MnistNet.Augmentation.AugmentationOptions]@{ ElasticAlpha = 30; ElasticSigma = 0.99 }).Validate() } |
            Should -Throw
        (Get-ParameterHelp 'Augmentation').Description | Should -BeLike '*at least 1 whenever ElasticAlpha is above 0*'
    }

    It 'says which parameters -Resume takes and that only -Epochs may differ' {
        $text = (Get-ParameterHelp 'Resume').Description

        $text | Should -BeLike '*only -Epochs, -ValidationData and -Network can be given with -Resume*'
        $text | Should -BeLike '*-Epochs is the one setting that may differ*'
        $text | Should -BeLike '*-ValidationData must be given again when the run had it, and must be the same images*'
    }

    It 'lists every other parameter as refused with -Resume' {
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters
        $given = 'InputObject', 'Dataset', 'CheckpointPath', 'Resume', 'Epochs', 'ValidationData', 'Network'
        $others = @($command.Parameters.Keys | Where-Object { $_ -notin $common -and $_ -notin $given })
        $refused = [regex]::Match((Get-ParameterHelp 'Resume').Description, 'Every other setting \(([^)]*)\)')
        $listed = $refused.Groups[1].Value

        @([regex]::Matches($listed, '-(\w+)') | ForEach-Object { $_.Groups[1].Value }) | Sort-Object |
            Should -Be ($others | Sort-Object)
    }
}
